import { tradeOffLines } from './trade-off-lines.ts';
import type { HybridShare, SamplerRun } from '../contracts/campaign-report.ts';
import type { Command } from 'commander';
import { cancelCampaign } from '../campaign/campaign-control.ts';
import { waitingFor } from '../campaign/waiting-for.ts';
import { selectionScoreName } from '../campaign/score-names.ts';
import { describeLlmFallbacks } from '../campaign/campaign-summary.ts';
import { trialImportance } from '../importance/trial-importance.ts';
import { UsageError } from './usage-error.ts';
import { ownPermissionsOf } from '../task-kinds/task-spec.ts';
import {
  campaignOverview,
  listCampaignOverviews,
  trialProgress,
} from '../campaign/campaign-overview.ts';
import type { BudgetUsed, RunningTrialView } from '../contracts/campaign-overview.ts';
import { describeTaskSpec } from '../task-kinds/task-spec.ts';
import { followCampaign } from './campaign-follower.ts';
import type { CampaignContext } from '../campaign/campaign-context.ts';
import { addRedisOption, openCommandContext, parseInteger } from './cli-options.ts';
import { formatConfig } from '../search-space/format-config.ts';
import { describeHybridShare, describeTuning, formatNumber } from '../format/display-format.js';
import { formatSeconds, paint, table } from './terminal.ts';

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

export function registerCampaignCommands(program: Command): void {
  addRedisOption(
    program
      .command('logs')
      .argument('[campaign]', 'campaign id (lgt list shows them; default: the latest)')
      .description("print a campaign's event log")
      .option('-f, --follow', 'keep printing new events until the campaign ends')
      .option('--epochs', 'include every epoch of every trial')
      .option('--json', 'JSON lines'),
  ).action(
    async (
      given: string | undefined,
      opts: { follow?: boolean; epochs?: boolean; json?: boolean; redisUrl?: string },
    ) =>
      withContext(opts, async (ctx) => {
        let id = given;
        if (id === undefined) {
          // `lgt logs -f` right after `lgt run --detach`: the campaign just started.
          const [latest] = await ctx.store.listCampaigns(1);
          if (!latest) throw new UsageError('no campaigns yet: lgt run <task> starts one');
          id = latest.id;
          process.stderr.write(`the latest campaign: ${id}\n`);
        }
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
      const { campaigns: items, invalid } = await listCampaignOverviews(ctx.store);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ campaigns: items, invalid }, null, 2)}\n`);
        return;
      }
      // One bad record hides nothing: it is named, and the others are listed.
      for (const e of invalid) process.stderr.write(`skipped campaign ${e.id}: ${e.problem}\n`);
      if (items.length === 0) {
        process.stdout.write('no campaigns yet: lgt run <task> starts one\n');
        return;
      }
      const rows = [['campaign', 'task', 'strategy', 'status', 'trials', 'best', 'created']];
      for (const { campaign: c, counts } of items) {
        rows.push([
          c.id,
          c.taskName,
          describeTuning(c.request),
          c.status,
          trialProgress(c, counts),
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
      // The same overview the API and the dashboard show.
      const read = await campaignOverview(ctx.store, id);
      const waiting = await waitingFor(ctx.queues, ctx.connection, read.campaign);
      const overview = waiting ? { ...read, waitingFor: waiting } : read;
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(overview, null, 2)}\n`);
        return;
      }
      const { campaign: c, counts, budget } = overview;
      const r = c.request;
      const lines = [
        paint('bold', `${c.id}: ${c.status}`),
        `task ${describeTaskSpec(r.task)} · ${r.mode === 'search' ? 'strategy ' : ''}${describeTuning(r)} · ${r.parallel} at a time · seed ${r.seed}${r.pruner !== 'none' ? ` · ${r.pruner} pruner` : ''}${r.timeLimitSeconds ? ` · time limit ${r.timeLimitSeconds}s` : ''}${r.trialTimeoutSeconds ? ` · trial timeout ${r.trialTimeoutSeconds}s` : ''}`,
        `trials ${trialProgress(c, counts)} done: ${(['completed', 'pruned', 'failed', 'cancelled', 'running', 'queued'] as const).map((s) => `${counts[s]} ${s}`).join(', ')}`,
        budgetLine(budget),
        ...(overview.samplers ? [samplersLine(overview.samplers)] : []),
        ...(overview.hybrid ? [hybridLine(overview.hybrid)] : []),
        c.best
          ? `best #${c.best.trial}: ${selectionScoreName(c.request, c.metric.name)} ${formatNumber(c.best.value)}  ${paint('dim', formatConfig(c.best.config))}`
          : 'no finished trial yet',
      ];
      if (overview.tradeOff) lines.push(...tradeOffLines(overview.tradeOff));
      for (const t of overview.running) lines.push(runningTrialLine(t, c.metric.name));
      if (waiting) lines.push(paint('yellow', waiting));
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
        c.status !== 'cancelled'
          ? `cancelling ${id}: running trials stop after their current epoch (lgt logs ${id} -f to watch)\n`
          : c.startedAt === undefined
            ? `cancelled ${id}: it had not started\n`
            : `cancelled ${id}: no worker serves the campaign queue, so it ended now, without a report (a campaign's driver writes it)\n`,
      );
    }),
  );

  addRedisOption(
    program
      .command('importance')
      .argument('<campaign>', 'campaign id')
      .description(
        'which dimensions mattered to reach the best trials (PED-ANOVA over the finished trials)',
      )
      .option('--json', 'machine-readable'),
  ).action(async (id: string, opts: { json?: boolean; redisUrl?: string }) =>
    withContext(opts, async (ctx) => {
      const campaign = await ctx.store.requireCampaign(id);
      const trials = await ctx.store.listTrials(id);
      const found = trialImportance(trials, campaign.metric.direction);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(found, null, 2)}\n`);
        return;
      }
      if (!found) {
        const done = trials.filter((t) => t.state === 'completed').length;
        process.stdout.write(
          `${id}: too few finished trials to say what mattered (${done}; 10 are needed)\n`,
        );
        return;
      }
      process.stdout.write(
        `what mattered in ${id}: how far each dimension's values among the best ${found.good} of ${found.trials} trials are from where the search went (PED-ANOVA; shares sum to 1)\n`,
      );
      const widest = Math.max(...found.importances.map((i) => i.importance));
      const rows = found.importances.map((i) => [
        i.name,
        formatNumber(i.importance),
        '#'.repeat(Math.round((30 * i.importance) / widest)),
      ]);
      process.stdout.write(`${table([['dimension', 'share', ''], ...rows])}\n`);
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
        // Resuming by id is choosing the campaign, with what it runs: said, then allowed here.
        const spec = campaign.request.task;
        if (spec.kind === 'command')
          process.stderr.write(`lgt: resuming runs the command: ${spec.command}\n`);
        // Loaded here: the other campaign commands need none of what running one loads.
        const { carryOut } = await import('./run-command.ts');
        await carryOut(ctx, campaign, {
          localWorkers: opts.localWorkers,
          workers: opts.workers ?? campaign.request.parallel,
          json: opts.json === true,
          ...ownPermissionsOf(spec, campaign.request.dataDirs),
        });
      } finally {
        await ctx.close();
      }
    },
  );
}

/** The budgets used: time, and the LLM's tokens and cost (those the campaign set limits for, or used). */
function budgetLine(b: BudgetUsed): string {
  const parts = [
    `time ${formatSeconds(b.seconds.elapsed)}${b.seconds.limit !== null ? ` of ${formatSeconds(b.seconds.limit)}` : ''}`,
  ];
  if (b.epochs.limit !== null || b.trials.max === null)
    parts.push(
      `${b.epochs.trained.toLocaleString('en')} epochs${b.epochs.limit !== null ? ` of ${b.epochs.limit.toLocaleString('en')}` : ''}`,
    );
  if (b.llm.tokens > 0 || b.llm.tokenLimit !== null || b.llm.costLimit !== null) {
    parts.push(
      `LLM ${b.llm.tokens.toLocaleString('en')} tokens${b.llm.tokenLimit !== null ? ` of ${b.llm.tokenLimit.toLocaleString('en')}` : ''}, $${formatNumber(b.llm.costUsd)}${b.llm.costLimit !== null ? ` of $${formatNumber(b.llm.costLimit)}` : ''}`,
    );
  }
  // Turns the rules answered for a silent LLM: said while the campaign runs, not only at its end.
  if (b.llm.fallbacks > 0) parts.push(describeLlmFallbacks(b.llm));
  return `budget used: ${parts.join(', ')}`;
}

/** A running trial in `lgt status`: where it is in its plan, and its last validation metric. */
export function runningTrialLine(t: RunningTrialView, metricName: string): string {
  const epochs = `epoch ${t.epoch}${t.plannedEpochs !== null ? `/${t.plannedEpochs}` : ''}${t.lastValue !== null ? `, val ${metricName} ${formatNumber(t.lastValue)}` : ''}`;
  // Folds after the first train quietly: their place is known, their epochs are not.
  const where =
    t.fold === undefined || t.folds === undefined
      ? epochs
      : t.fold === 1
        ? `fold 1/${t.folds}, ${epochs}`
        : `fold ${t.fold}/${t.folds} (fold 1: ${epochs})`;
  return `  #${t.trial} running on ${t.worker ?? '?'}: ${where}`;
}

/** `--strategy hybrid`: who is in control, and the share of trials the Advisor proposed. */
export function hybridLine(h: HybridShare): string {
  return `hybrid: ${h.core} in control; after the first ${h.warmup} trials the Advisor proposed ${describeHybridShare(h)}`;
}

/** What `--strategy auto` ran: each sampler from its trial, and why the latest was chosen. */
function samplersLine(ran: readonly SamplerRun[]): string {
  const latest = ran.at(-1)!;
  return `auto ran ${ran.map((r) => `${r.strategy} from #${r.fromTrial}`).join(', then ')} (${latest.strategy}: ${latest.reason})`;
}
