import type { Command } from 'commander';
import { cancelCampaign } from '../campaign/campaign-service.ts';
import type { CampaignRecord, TrialRecord } from '../contracts/campaign-records.ts';
import type { CampaignRequest } from '../contracts/campaign-request.ts';
import type { EpochRecord } from '../trainer/trainer.ts';
import { describeTaskSpec } from '../tasks/task-spec.ts';
import { followCampaign } from './campaign-follower.ts';
import type { CampaignContext } from '../campaign/campaign-context.ts';
import { addRedisOption, openCommandContext } from './cli-options.ts';
import { formatConfig } from '../search-space/format-config.ts';
import { carryOut } from './run-command.ts';
import { parseInteger } from './trial-command.ts';
import { formatNumber } from '../format/format-number.ts';
import { paint, table } from './terminal.ts';

async function withContext(
  opts: { redisUrl?: string },
  f: (ctx: CampaignContext) => Promise<void>,
): Promise<void> {
  const ctx = await openCommandContext(opts.redisUrl ? { redisUrl: opts.redisUrl } : {});
  try {
    await f(ctx);
  } finally {
    await ctx.close();
  }
}

function progressOf(campaign: CampaignRecord, trials: TrialRecord[]): string {
  const done = trials.filter((t) =>
    ['completed', 'pruned', 'failed', 'cancelled'].includes(t.state),
  ).length;
  return `${done}/${campaign.request.maxTrials}`;
}

export function registerCampaignCommands(program: Command): void {
  addRedisOption(
    program
      .command('logs')
      .argument('<campaign>', 'campaign id (lgt list shows them)')
      .description("print a campaign's event log")
      .option('-f, --follow', 'keep printing new events until the campaign ends')
      .option('--epochs', 'include every epoch of every trial')
      .option('--json', 'JSON lines'),
  ).action(
    async (
      id: string,
      opts: { follow?: boolean; epochs?: boolean; json?: boolean; redisUrl?: string },
    ) =>
      withContext(opts, async (ctx) => {
        await ctx.store.requireCampaign(id);
        const stop = new AbortController();
        process.once('SIGINT', () => stop.abort());
        await followCampaign(ctx.store, ctx.blocking, id, {
          follow: opts.follow === true,
          json: opts.json === true,
          epochs: opts.epochs === true,
          signal: stop.signal,
        });
      }),
  );

  addRedisOption(
    program
      .command('list')
      .description('the campaigns, most recent first')
      .option('--json', 'machine-readable'),
  ).action(async (opts: { json?: boolean; redisUrl?: string }) =>
    withContext(opts, async (ctx) => {
      const campaigns = await ctx.store.listCampaigns();
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(campaigns, null, 2)}\n`);
        return;
      }
      if (campaigns.length === 0) {
        process.stdout.write('no campaigns yet: lgt run <task> starts one\n');
        return;
      }
      const rows = [['campaign', 'task', 'strategy', 'status', 'trials', 'best', 'created']];
      for (const c of campaigns) {
        const trials = await ctx.store.listTrials(c.id);
        rows.push([
          c.id,
          c.taskName,
          c.request.strategy,
          c.status,
          progressOf(c, trials),
          c.best ? `${c.metric.name} ${formatNumber(c.best.value)} (#${c.best.trial})` : '-',
          new Date(c.createdAt).toISOString().replace('T', ' ').slice(0, 19),
        ]);
      }
      process.stdout.write(`${table(rows)}\n`);
    }),
  );

  addRedisOption(
    program
      .command('status')
      .argument('<campaign>', 'campaign id')
      .description("a campaign's progress, best trial and running trials")
      .option('--json', 'machine-readable'),
  ).action(async (id: string, opts: { json?: boolean; redisUrl?: string }) =>
    withContext(opts, async (ctx) => {
      const c = await ctx.store.requireCampaign(id);
      const trials = await ctx.store.listTrials(id);
      const running = trials.filter((t) => t.state === 'running');
      const curves = await ctx.store.getCurves(
        id,
        running.map((t) => t.number),
      );
      if (opts.json) {
        process.stdout.write(
          `${JSON.stringify({ campaign: c, trials, running: running.map((t) => ({ trial: t.number, epochs: curves.get(t.number)?.length ?? 0, planned: plannedEpochs(t, c.request), ...(t.progress?.folds ? { fold: t.progress.fold, folds: t.progress.folds } : {}) })) }, null, 2)}\n`,
        );
        return;
      }
      const r = c.request;
      const lines = [
        paint('bold', `${c.id}: ${c.status}`),
        `task ${describeTaskSpec(r.task)} · strategy ${r.strategy} · ${r.parallel} at a time · seed ${r.seed}${r.pruner !== 'none' ? ` · ${r.pruner} pruner` : ''}${r.timeLimitSeconds ? ` · time limit ${r.timeLimitSeconds}s` : ''}${r.trialTimeoutSeconds ? ` · trial timeout ${r.trialTimeoutSeconds}s` : ''}`,
        `trials ${progressOf(c, trials)} done: ${['completed', 'pruned', 'failed', 'cancelled', 'running', 'queued'].map((s) => `${trials.filter((t) => t.state === s).length} ${s}`).join(', ')}`,
        c.best
          ? `best #${c.best.trial}: ${c.metric.name} ${formatNumber(c.best.value)}  ${paint('dim', formatConfig(c.best.config))}`
          : 'no finished trial yet',
      ];
      for (const t of running) lines.push(runningTrialLine(t, curves.get(t.number) ?? [], c));
      if (c.reportDir) lines.push(`report: ${c.reportDir}`);
      if (c.error) lines.push(paint('red', c.error));
      process.stdout.write(`${lines.join('\n')}\n`);
    }),
  );

  addRedisOption(
    program
      .command('cancel')
      .argument('<campaign>', 'campaign id')
      .description('stop a campaign: waiting trials are dropped, running ones stop between epochs'),
  ).action(async (id: string, opts: { redisUrl?: string }) =>
    withContext(opts, async (ctx) => {
      const c = await cancelCampaign(ctx.store, id, undefined, ctx.queues);
      process.stdout.write(
        c.status === 'cancelled'
          ? `cancelled ${id}: it had not started\n`
          : `cancelling ${id}: running trials stop after their current epoch (lgt logs ${id} -f to watch)\n`,
      );
    }),
  );

  addRedisOption(
    program
      .command('resume')
      .argument('<campaign>', 'campaign id')
      .description(
        'carry on with a campaign: local workers if none is running, live progress, the summary at the end',
      )
      .option('--workers <n>', 'trial processes of the local workers', parseInteger('--workers', 1))
      .option('--no-local-workers', 'only follow; let `lgt worker` processes do the work')
      .option('--json', 'events as JSON lines'),
  ).action(
    async (
      id: string,
      opts: { workers?: number; localWorkers: boolean; json?: boolean; redisUrl?: string },
    ) => {
      const ctx = await openCommandContext({
        ...(opts.redisUrl ? { redisUrl: opts.redisUrl } : {}),
        allowEmbedded: true,
      });
      try {
        const campaign = await ctx.store.requireCampaign(id);
        await carryOut(ctx, campaign, {
          localWorkers: opts.localWorkers,
          workers: opts.workers ?? campaign.request.parallel,
          json: opts.json === true,
        });
      } finally {
        await ctx.close();
      }
    },
  );
}

/**
 * A running trial's planned epochs: what its worker said when it began (the step budget may cut
 * the configuration's), else the campaign's --epochs or the configuration's own.
 */
function plannedEpochs(t: TrialRecord, request: CampaignRequest): number | null {
  const planned = t.progress?.plannedEpochs ?? request.epochs ?? t.config['epochs'];
  return typeof planned === 'number' ? planned : null;
}

/** A running trial in `lgt status`: where it is in its plan, and its last validation metric. */
export function runningTrialLine(
  t: TrialRecord,
  curve: readonly EpochRecord[],
  c: Pick<CampaignRecord, 'request' | 'metric'>,
): string {
  const last = curve.at(-1);
  const planned = plannedEpochs(t, c.request);
  const epochs = `epoch ${curve.length}${planned !== null ? `/${planned}` : ''}${last ? `, val ${c.metric.name} ${formatNumber(last.validationMetric)}` : ''}`;
  // Folds after the first train quietly: their place is known, their epochs are not.
  const fold = t.progress?.fold;
  const folds = t.progress?.folds;
  const where =
    fold === undefined || folds === undefined
      ? epochs
      : fold === 1
        ? `fold 1/${folds}, ${epochs}`
        : `fold ${fold}/${folds} (fold 1: ${epochs})`;
  return `  #${t.number} running on ${t.worker ?? '?'}: ${where}`;
}
