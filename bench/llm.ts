/**
 * What an LLM brings to tuning, measured by anyone with an OpenAI-compatible endpoint: real
 * campaigns (the product's path: `startCampaign`, its workers and agents worker, the LLM through
 * the agents queue), budget-matched and multi-seed, for each variant:
 *
 *   core            the core alone (`--core`, auto by default)
 *   hybrid@S        hybrid with the LLM Advisor on share S of the trials after the warm-up
 *   hybrid@S+warmN  the same with a zero-shot warm start of N trials
 *   rules@S         hybrid with the rule-based stand-ins on share S (no LLM)
 *   lgt             the LGT loop with the LLM agents
 *
 * It prints, per task, the best so far at 20, 50 and 100 trials (LCBench: normalized regret of
 * val_accuracy, lower is better; other tasks: the validation metric) with its spread over the
 * seeds, and per variant the LLM calls, tokens and cost per trial and the latency per call; it
 * writes every agent message to <out>/transcripts/<campaign>.jsonl and the tables to
 * <out>/llm-summary.md. The key comes from the environment (OPENAI_API_KEY), never a flag.
 *
 *   OPENAI_API_KEY=... npx tsx bench/llm.ts --base-url https://api.example.com/v1 --model some-model \
 *     [--tasks bench:lcbench/167168,bench:lcbench/189873,wine-quality] \
 *     [--variants core,hybrid@0.1,hybrid@0.3,hybrid@0.5,hybrid@0.3+warm3,rules@0.3,lgt] \
 *     [--core auto] [--seeds 5] [--budget 100] [--epochs 10] [--out /tmp/llm-bench]
 *
 * An LLM variant whose LLM never answered a campaign stops the harness and says why, rather than
 * measuring the rules or the core under the LLM's name; slots its answers did not fill (an error,
 * refused proposals) are counted as fallbacks. Never part of `npm test`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CORE_NAMES, type CampaignRequestInput } from '../src/contracts/campaign-request.ts';
import type { LoggedEvent } from '../src/contracts/campaign-events.ts';
import { startCampaign } from '../src/client/start-campaign.ts';
import { gainSign } from '../src/maths/direction.ts';
import { lcbenchTargetStatistics } from '../src/surrogates/lcbench-surrogate.ts';
import { findBuiltInTask } from '../tasks/index.ts';

const { values: args } = parseArgs({
  options: {
    'base-url': { type: 'string' },
    model: { type: 'string' },
    tasks: { type: 'string', default: 'bench:lcbench/167168,bench:lcbench/189873,wine-quality' },
    variants: {
      type: 'string',
      default: 'core,hybrid@0.1,hybrid@0.3,hybrid@0.5,hybrid@0.3+warm3,rules@0.3,lgt',
    },
    core: { type: 'string', default: 'auto' },
    seeds: { type: 'string', default: '5' },
    budget: { type: 'string', default: '100' },
    epochs: { type: 'string', default: '10' },
    out: { type: 'string', default: '/tmp/llm-bench' },
  },
});

const baseUrl = args['base-url'];
const model = args.model;
if (!baseUrl || !model) {
  process.stderr.write(
    'bench/llm.ts needs an endpoint: --base-url <OpenAI-compatible URL> and --model <name>, the key in OPENAI_API_KEY (see docs/agents.md)\n',
  );
  process.exit(2);
}
if (!(CORE_NAMES as readonly string[]).includes(args.core))
  throw new Error(`--core must be one of ${CORE_NAMES.join(', ')}, not ${args.core}`);
// The agents worker started by each campaign reads its endpoint here (src/llm/llm-settings.ts).
process.env['LGT_LLM_BASE_URL'] = baseUrl;
process.env['LGT_LLM_MODEL'] = model;

const DATA_DIRS = ['LGT_BENCHMARKS_DIR', 'LGT_DATA_DIR'].flatMap((v) =>
  process.env[v] ? [path.resolve(process.env[v])] : [],
);
const seeds = Number(args.seeds);
const budget = Number(args.budget);
const CHECKPOINTS = [20, 50, 100].filter((b) => b <= budget);
const transcripts = path.join(args.out, 'transcripts');
mkdirSync(transcripts, { recursive: true });

interface Variant {
  label: string;
  request: Partial<CampaignRequestInput>;
  llm: boolean;
}

/** core, hybrid@S, hybrid@S+warmN, rules@S, lgt: the request each one makes. */
function variantOf(label: string): Variant {
  const core = args.core as (typeof CORE_NAMES)[number];
  if (label === 'core')
    return {
      label,
      request: core === 'auto' ? { strategy: 'auto' } : { strategy: core },
      llm: false,
    };
  if (label === 'lgt') return { label, request: { strategy: 'lgt' }, llm: true };
  const m = /^(hybrid|rules)@([0-9.]+)(?:\+warm(\d+))?$/.exec(label);
  if (!m) throw new Error(`unknown variant ${label}: core, hybrid@S, hybrid@S+warmN, rules@S, lgt`);
  const llm = m[1] === 'hybrid';
  return {
    label,
    llm,
    request: {
      strategy: 'hybrid',
      core,
      llmShare: Number(m[2]),
      ...(m[3] ? { llmWarmStart: Number(m[3]) } : {}),
      ...(llm ? {} : { agents: 'rules' }),
    },
  };
}

interface Run {
  /** The best so far at each checkpoint (regret or score). */
  at: number[];
  llmCalls: number;
  tokens: number;
  costUsd: number;
  latencyMs: number;
  /** Agent turns or override slots the LLM's answer did not fill (an error, or refused proposals). */
  fallbacks: number;
  trials: number;
}

/** One campaign end to end; its agent messages go to a transcript file. */
async function run(taskName: string, variant: Variant, seed: number, score: (v: number) => number) {
  const handle = await startCampaign({
    task: { kind: 'builtin', name: taskName },
    maxTrials: budget,
    parallel: 2,
    seed,
    ...(taskName.startsWith('bench:') ? {} : { epochs: Number(args.epochs) }),
    outputDir: path.join(args.out, 'runs'),
    // Where the data and the YAHPO surrogates are (docs/objectives.md, LCBench).
    dataDirs: DATA_DIRS,
    ...(variant.llm
      ? {
          agents: 'llm' as const,
          llmModels: { advisor: model!, evaluator: model!, optimizer: model! },
        }
      : {}),
    ...variant.request,
  });
  const events: LoggedEvent[] = [];
  const follow = (async () => {
    for await (const e of handle.events()) events.push(e);
  })();
  const report = await handle.result();
  await follow.catch(() => {});
  // A campaign that failed measures nothing, nor does an LLM variant whose LLM never answered
  // (the rules or the core filled its turns): said, rather than averaged in.
  if (report.campaign.status !== 'completed')
    throw new Error(
      `${taskName} ${variant.label} seed ${seed}: campaign ${handle.id} ${report.campaign.status}: ${report.campaign.error ?? 'no error recorded'}`,
    );
  if (variant.llm && !report.llmUsage.calls)
    throw new Error(
      `${taskName} ${variant.label} seed ${seed}: the LLM never answered campaign ${handle.id}: ${report.llmUsage.firstFallback ?? 'no agent turn was answered'}`,
    );
  const messages = events.filter((e) => e.type === 'agent.message');
  writeFileSync(
    path.join(transcripts, `${handle.id}.jsonl`),
    messages.map((e) => JSON.stringify(e)).join('\n') + '\n',
  );
  const trials = [...report.trials].sort((a, b) => a.number - b.number);
  const best: number[] = [];
  let sofar = Infinity;
  for (const t of trials) {
    if (typeof t.value === 'number') sofar = Math.min(sofar, score(t.value));
    best.push(sofar);
  }
  const llm = messages.filter((e) => !e.rules && !e.cached);
  const out: Run = {
    at: CHECKPOINTS.map((b) => best[Math.min(b, best.length) - 1] ?? NaN),
    llmCalls: llm.length,
    tokens: llm.reduce((s, e) => s + e.tokens, 0),
    costUsd: llm.reduce((s, e) => s + e.costUsd, 0),
    latencyMs: llm.length ? llm.reduce((s, e) => s + e.latencyMs, 0) / llm.length : 0,
    fallbacks: report.llmUsage.fallbacks ?? 0,
    trials: trials.length,
  };
  return out;
}

const fmt = (v: number) => (Number.isFinite(v) ? v.toPrecision(3) : '-');
const meanSd = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1));
  return `${fmt(m)} ± ${fmt(sd)}`;
};

const lines: string[] = [
  `# bench/llm.ts: ${model} at ${baseUrl}, ${new Date().toISOString().slice(0, 10)}`,
  '',
  `core ${args.core}, ${seeds} seeds, ${budget} trials, 2 at a time; transcripts in ${transcripts}`,
];
const stats = await lcbenchTargetStatistics([process.env['LGT_BENCHMARKS_DIR'] ?? '']).catch(
  () => null,
);
for (const taskName of args.tasks.split(',')) {
  const task = findBuiltInTask(taskName);
  if (!task) throw new Error(`unknown task ${taskName}`);
  // LCBench: normalized regret; otherwise the metric turned into "lower is better" for the best.
  const instance = taskName.startsWith('bench:lcbench/') ? taskName.split('/')[1]! : null;
  const range = instance ? stats?.get(instance)?.[task.metric.name] : undefined;
  const sign = gainSign(task.metric.direction);
  const score = range
    ? (v: number) =>
        sign > 0
          ? (range.max - v) / (range.max - range.min)
          : (v - range.min) / (range.max - range.min)
    : (v: number) => -sign * v;
  const shown = range
    ? `normalized regret of ${task.metric.name} (lower is better)`
    : `${task.metric.name} (${task.metric.direction === 'maximize' ? 'higher' : 'lower'} is better)`;
  const back = (v: number) => (range ? v : -sign * v);
  lines.push('', `## ${taskName}: ${shown}, mean ± sd over ${seeds} seeds`, '');
  lines.push(
    `| variant | ${CHECKPOINTS.map((b) => `@${b}`).join(' | ')} | LLM calls | fallbacks | tokens / trial | cost / trial | latency / call |`,
    `|---|${CHECKPOINTS.map(() => '---').join('|')}|---|---|---|---|---|`,
  );
  for (const label of args.variants.split(',')) {
    const variant = variantOf(label);
    const runs: Run[] = [];
    for (let seed = 0; seed < seeds; seed++) {
      const r = await run(taskName, variant, seed, score);
      runs.push(r);
      process.stderr.write(
        `${taskName} ${label} seed ${seed}: ${r.at.map((v) => fmt(back(v))).join(' / ')}, ${r.llmCalls} LLM calls\n`,
      );
    }
    const trials = runs.reduce((s, r) => s + r.trials, 0);
    const calls = runs.reduce((s, r) => s + r.llmCalls, 0);
    lines.push(
      `| ${label} | ${CHECKPOINTS.map((_, k) => meanSd(runs.map((r) => back(r.at[k]!)))).join(' | ')} | ${calls} | ${runs.reduce((s, r) => s + r.fallbacks, 0)} | ${fmt(runs.reduce((s, r) => s + r.tokens, 0) / trials)} | $${fmt(runs.reduce((s, r) => s + r.costUsd, 0) / trials)} | ${calls ? `${fmt(runs.reduce((s, r) => s + r.latencyMs * r.llmCalls, 0) / calls)} ms` : '-'} |`,
    );
  }
}
const summary = lines.join('\n') + '\n';
writeFileSync(path.join(args.out, 'llm-summary.md'), summary);
process.stdout.write(summary);
process.exit(0);
