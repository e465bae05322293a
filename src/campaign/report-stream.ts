import { Readable } from 'node:stream';
import type { LoggedEvent } from '../contracts/campaign-events.ts';
import { publicTrial, type ReportTrial, type TrialRecord } from '../contracts/trial-record.ts';
import { type CampaignReport, type CampaignReportHead } from '../contracts/campaign-report.ts';
import { redactSecrets } from '../secrets/redact.ts';
import type { CampaignStore } from './campaign-store.ts';

/**
 * A report is put together from its head and the campaign's trials, page by page, so that a
 * campaign of 10,000 trials (tens of MB with their curves and events) is never one string or one
 * object in memory: report.json is written from this, and the API answers its report from this.
 */

/** Trials (and events) read from Redis at a time. */
const PAGE_SIZE = 200;

/**
 * The campaign's trials with their curves, in order, a page at a time. With `records` (a writer
 * that read them already) only the curves are read; else the records too, by number.
 */
export async function* trialsWithCurves(
  store: CampaignStore,
  id: string,
  records?: readonly TrialRecord[],
): AsyncGenerator<ReportTrial[]> {
  const count = records ? records.length : await store.trialCount(id);
  for (let from = 0; from < count; from += PAGE_SIZE) {
    const to = Math.min(from + PAGE_SIZE, count);
    const page = records
      ? records.slice(from, to)
      : await store.getTrials(
          id,
          Array.from({ length: to - from }, (_, i) => from + i + 1),
        );
    const curves = await store.getCurves(
      id,
      page.map((t) => t.number),
    );
    yield page.map((t) => ({ ...publicTrial(t), curve: curves.get(t.number) ?? [] }));
  }
}

/** The campaign's event log, oldest first, a page at a time. */
export async function* eventPages(store: CampaignStore, id: string): AsyncGenerator<LoggedEvent[]> {
  for (let after = '0'; ;) {
    const batch = await store.readEvents(id, after, { count: PAGE_SIZE });
    if (batch.length === 0) return;
    yield batch;
    after = batch.at(-1)!.id;
  }
}

/**
 * The report as JSON text, in pieces: the head's fields, the trials where CampaignReport has
 * them, then (report.json only) the event log. The text is what JSON.stringify(report, null, 2)
 * would give for the whole, so a reader sees no difference, and each piece has its secrets
 * taken out.
 */
export async function* reportJson(
  head: CampaignReportHead,
  trials: AsyncIterable<ReportTrial[]>,
  events?: AsyncIterable<LoggedEvent[]>,
): AsyncGenerator<string> {
  const fields: [string, unknown][] = [
    ...Object.entries(inReportOrder(head, trials)),
    ...(events ? [['events', events] as [string, unknown]] : []),
  ];
  let first = true;
  yield '{';
  for (const [key, value] of fields) {
    if (value === undefined) continue;
    yield `${first ? '' : ','}\n  ${JSON.stringify(key)}: `;
    first = false;
    if (isPages(value)) yield* arrayJson(value);
    else yield redactSecrets(indent(JSON.stringify(value, null, 2), '  '));
  }
  yield first ? '}\n' : '\n}\n';
}

/** A whole report as an object (a script's `result()`): the head and every trial, in memory. */
export async function readReport(store: CampaignStore, id: string): Promise<CampaignReport | null> {
  const head = await store.getReportHead(id);
  if (!head) return null;
  const trials: ReportTrial[] = [];
  for await (const page of trialsWithCurves(store, id)) trials.push(...page);
  return inReportOrder(head, trials);
}

/**
 * The head's fields and the trials in CampaignReport's order (a stored head comes back from its
 * schema in another), whatever else a head carries after them.
 */
function inReportOrder<T>(
  head: CampaignReportHead,
  trials: T,
): Omit<CampaignReport, 'trials'> & { trials: T } {
  const { campaign, task, best, agents, inRun, llmUsage, generatedAt, ...rest } = head;
  return { campaign, task, best, trials, agents, inRun, llmUsage, generatedAt, ...rest };
}

/** The report as a stream of JSON text (the API's answer), null before the campaign has ended. */
export async function reportStream(store: CampaignStore, id: string): Promise<Readable | null> {
  const head = await store.getReportHead(id);
  return head ? Readable.from(reportJson(head, trialsWithCurves(store, id))) : null;
}

async function* arrayJson(pages: AsyncIterable<readonly unknown[]>): AsyncGenerator<string> {
  let n = 0;
  for await (const page of pages) {
    // One piece per page: fewer, larger writes.
    let text = '';
    for (const item of page)
      text += `${n++ === 0 ? '[' : ','}\n    ${indent(JSON.stringify(item, null, 2), '    ')}`;
    if (text) yield redactSecrets(text);
  }
  yield n === 0 ? '[]' : '\n  ]';
}

function isPages(value: unknown): value is AsyncIterable<readonly unknown[]> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/** JSON text nested one level deeper (JSON strings hold no raw newline, so every one is a break). */
function indent(json: string, by: string): string {
  return json.replace(/\n/g, `\n${by}`);
}
