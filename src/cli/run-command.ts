import path from 'node:path';
import type { Command } from 'commander';
import type { CampaignRecord } from '../contracts/campaign-record.ts';
import {
  DIVERGENCE_NAMES,
  IN_RUN_DEFAULTS,
  CORE_NAMES,
  NUMERIC_STRATEGY_NAMES,
  STRATEGY_NAMES,
  type CampaignRequestInput,
} from '../contracts/campaign-request.ts';
import {
  bestConfigsOf,
  createCampaign,
  CV_ROW_THRESHOLD,
  prepareCampaign,
} from '../campaign/campaign-service.ts';
import {
  describeTaskSpec,
  ownPermissionsOf,
  taskSpecOf,
  type TaskSpec,
} from '../task-kinds/task-spec.ts';
import { resolveDataFile } from '../data/data-files.ts';
import type { TaskKind } from '../task-kinds/task.ts';
import { isObjectiveTask } from '../task-kinds/objective.ts';
import { WorkerService } from '../worker/worker-service.ts';
import { llmSettingsFromEnv } from '../llm/llm-settings.ts';
import { followCampaign } from './campaign-follower.ts';
import type { CampaignContext } from '../campaign/campaign-context.ts';
import { selectionScoreName } from '../campaign/score-names.ts';
import { workersFor } from '../campaign/waiting-for.ts';
import {
  describeLlmFallbacks,
  llmSilence,
  summarizeCampaign,
  type CampaignSummary,
} from '../campaign/campaign-summary.ts';
import { addRedisOption, openCommandContext, parseDuration, parseInteger } from './cli-options.ts';
import { formatConfig } from '../search-space/format-config.ts';
import { addTaskOptions } from './trial-command.ts';
import { formatNumber } from '../format/display-format.js';
import { formatSeconds, paint, printTaskNotes, table } from './terminal.ts';
import { UsageError } from './usage-error.ts';
import { tradeOffLines } from './trade-off-lines.ts';
import {
  parseConstraint,
  parseObjective,
  parsePickRule,
  TradeOffSyntaxError,
} from '../contracts/trade-off.ts';
import { redactSecrets } from '../secrets/redact.ts';
import { dataDirsOf } from '../env/data-dirs.ts';
import type { Direction } from '../maths/direction.ts';

interface RunOptions {
  task?: string;
  csv?: string;
  target?: string;
  kind?: TaskKind;
  keepColumns?: string[];
  command?: string;
  space?: string;
  metric?: string;
  direction?: Direction;
  dataDir: string[];
  splitSeed: number;
  maxTrain?: number;
  strategy: string;
  trials: number;
  parallel: number;
  timeLimit?: number;
  trialTimeout?: number;
  stepBudget?: number;
  seed: number;
  prune?: boolean;
  pruner: string;
  pruneWarmup?: number;
  pruneMinTrials?: number;
  ashaMinEpochs?: number;
  ashaEta?: number;
  candidates?: string;
  core?: string;
  llmShare?: number;
  llmWarmup?: number;
  llmWarmStart?: number;
  divergence: string;
  epochs?: number;
  cv?: number;
  /** --ensemble N: rounds; --no-ensemble: false. */
  ensemble?: number | false;
  gridResolution: number;
  gridParams?: string;
  out: string;
  localWorkers: boolean;
  workers?: number;
  redisUrl?: string;
  detach?: boolean;
  defaultFirst: boolean;
  json?: boolean;
  agents?: 'llm' | 'rules';
  llmRequired?: boolean;
  llmTokens?: number;
  llmCost?: number;
  optimizeEvery?: number;
  mode: string;
  decideEvery?: number;
  start?: 'default' | 'baseline';
  attempts?: number;
  population?: number;
  continueBest?: number;
  from?: string;
  maxEpochs?: number;
  objective: string[];
  constraint: string[];
  pick?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** The trade-off flags as request fields; a form that does not read is a usage error. */
function tradeOffOf(
  opts: RunOptions,
): Pick<CampaignRequestInput, 'objectives' | 'constraints' | 'pick'> {
  const read = <T>(flag: string, parse: () => T): T => {
    try {
      return parse();
    } catch (error) {
      if (error instanceof TradeOffSyntaxError) throw new UsageError(`${flag}: ${error.message}`);
      throw error;
    }
  };
  return {
    ...(opts.objective.length
      ? { objectives: opts.objective.map((o) => read('--objective', () => parseObjective(o))) }
      : {}),
    ...(opts.constraint.length
      ? { constraints: opts.constraint.map((c) => read('--constraint', () => parseConstraint(c))) }
      : {}),
    ...(opts.pick !== undefined ? { pick: read('--pick', () => parsePickRule(opts.pick!)) } : {}),
  };
}

export function registerRunCommand(program: Command): void {
  const command = addRedisOption(
    addTaskOptions(
      program
        .command('run')
        .argument('[task]', 'a built-in task, a task module (./my-task.ts), or nothing with --csv')
        .description(
          'run a tuning campaign: trials on the queue, live progress, a report and the best model at the end',
        ),
    ),
  )
    .option(
      '--strategy <name>',
      `where configurations come from: ${STRATEGY_NAMES.join(', ')} (auto: a Gaussian process for mostly numeric spaces, TPE for mostly categorical ones)`,
      'auto',
    )
    .option(
      '--mode <mode>',
      `search (trials of configurations), dynamic (the agents steer one run between epochs) or pbt (population-based training)`,
      'search',
    )
    .option(
      '--decide-every <epochs>',
      `dynamic, pbt: epochs between two decisions (default ${IN_RUN_DEFAULTS.decideEvery})`,
      parseSigned('--decide-every'),
    )
    .option(
      '--attempts <n>',
      `dynamic: changes tried per decision before the run goes on unchanged (default ${IN_RUN_DEFAULTS.attempts})`,
      parseSigned('--attempts'),
    )
    .option(
      '--start <from>',
      "dynamic, pbt: start the run from the default configuration (default) or from the task's plain baseline (the LGT paper's setting)",
      (v) => {
        if (v !== 'default' && v !== 'baseline')
          throw new UsageError('--start must be default or baseline');
        return v;
      },
    )
    .option(
      '--population <n>',
      `pbt: runs in the population (default ${IN_RUN_DEFAULTS.population})`,
      parseSigned('--population'),
    )
    .option(
      '--continue-best <k>',
      'dynamic: start one run from each of the best k trials of the campaign named by --from',
      parseSigned('--continue-best'),
    )
    .option('--from <campaign>', 'the campaign whose best trials --continue-best carries on')
    .option(
      '--max-epochs <n>',
      'epoch budget: stop starting trials once this many epochs are trained or promised in all (branches included)',
      parseSigned('--max-epochs'),
    )
    .option(
      '--objective <metric:dir>',
      'tune a trade-off: each metric to max or min, repeated (--objective accuracy:max --objective params:min); model tasks also report params, inference_ms_per_1k and train_seconds',
      collect,
      [],
    )
    .option(
      '--constraint <metric<=bound>',
      'a bound every shipped trial meets, repeated (--constraint "params<=100000", or >=); trials that break one are infeasible',
      collect,
      [],
    )
    .option(
      '--pick <rule>',
      'which front member ships: knee (the default), or "max accuracy where params<=50000"',
    )
    .option('--trials <n>', 'trial budget (search mode)', parseSigned('--trials'), 20)
    .option('--parallel <n>', 'trials running at once', parseSigned('--parallel'), 2)
    .option(
      '--time-limit <duration>',
      'wall-clock budget, e.g. 90s, 10m, 1h30m; running trials stop between epochs',
      parseDuration,
    )
    .option(
      '--trial-timeout <duration>',
      'longest one trial may train, e.g. 5m; past it the trial ends as timed out (default: 20 times the median trial once 3 have finished, at least 2 minutes)',
      parseDuration,
    )
    .option(
      '--step-budget <multiple>',
      "most optimizer steps one trial may take, as a multiple of the task's default configuration's; a configuration past it trains fewer epochs (0: no cap)",
      parseSigned('--step-budget'),
    )
    .option(
      '--seed <n>',
      'campaign seed: proposals, weights, shuffling (the same for every trial)',
      parseInteger('--seed', 0),
      0,
    )
    .option(
      '--pruner <name>',
      'stop unpromising trials between epochs: median (below the median of earlier trials at the same epoch), asha (successive halving), none',
      'none',
    )
    .option('--prune', 'the same as --pruner median')
    .option(
      '--prune-warmup <epochs>',
      'median pruner: epochs before it prunes at all (default 2)',
      parseSigned('--prune-warmup'),
    )
    .option(
      '--prune-min-trials <n>',
      'median pruner: finished trials that must have reached an epoch before it prunes there (default 3)',
      parseSigned('--prune-min-trials'),
    )
    .option(
      '--asha-min-epochs <n>',
      'asha pruner: epochs at the first rung (default 1)',
      parseSigned('--asha-min-epochs'),
    )
    .option(
      '--asha-eta <eta>',
      'asha pruner: rungs at min-epochs * eta^k, the best 1/eta of each go on (default 3)',
      parseSigned('--asha-eta'),
    )
    .option(
      '--core <strategy>',
      `hybrid: the numeric optimizer in control (${CORE_NAMES.join(', ')}; default auto)`,
    )
    .option(
      '--llm-share <share>',
      'hybrid: the share of trials after the warm-up the Advisor proposes, 0 to 1 (default 0.3)',
      parseSigned('--llm-share'),
    )
    .option(
      '--llm-warmup <trials>',
      'hybrid: trials the core proposes alone first, the default included (default 10)',
      parseSigned('--llm-warmup'),
    )
    .option(
      '--llm-warm-start <n>',
      'hybrid: configurations the Advisor proposes first, from the task alone; the core starts from them (default 0)',
      parseSigned('--llm-warm-start'),
    )
    .option(
      '--candidates <strategy>',
      `lgt: a numeric strategy whose candidates the Advisor sees every round (${NUMERIC_STRATEGY_NAMES.join(', ')})`,
    )
    .option(
      '--divergence <f>',
      `fdpg: the f-divergence its proposal distribution minimizes (${DIVERGENCE_NAMES.join(', ')}: Jensen-Shannon, forward KL, reverse KL, total variation)`,
      'js',
    )
    .option('--epochs <n>', 'train every trial for this many epochs', parseSigned('--epochs'))
    .option(
      '--cv <k>',
      'score each trial on k cross-validation folds of the training and validation rows (1: the validation split alone; default: 5 for a --csv file of fewer than 1,000 such rows, else 1)',
      parseSigned('--cv'),
    )
    .option(
      '--ensemble <rounds>',
      'the final model is an ensemble of the trained configurations, chosen greedily in this many rounds over their validation or out-of-fold predictions (default 20; it ships only when it scores better than the single pick)',
      parseSigned('--ensemble'),
    )
    .option('--no-ensemble', 'the final model is the single configuration the campaign picks')
    .option(
      '--grid-resolution <n>',
      'grid: values per continuous dimension',
      parseSigned('--grid-resolution'),
      3,
    )
    .option(
      '--grid-params <names>',
      'grid: comma-separated dimensions to vary (others stay at their defaults)',
    )
    .option('--out <dir>', 'where runs/<campaign>/ reports go', 'runs')
    .option(
      '--no-local-workers',
      'never start workers in this process (wait for `lgt worker` processes)',
    )
    .option(
      '--workers <n>',
      'trial processes of the local workers (default: --parallel)',
      parseInteger('--workers', 1),
    )
    .option(
      '--no-default-first',
      "do not train the search space's default configuration as trial 1 (the control the summary compares against)",
    )
    .option('--detach', 'create the campaign, print its id and return (workers carry it out)')
    .option('--json', 'events as JSON lines on stdout, then the final campaign record')
    .option(
      '--agents <who>',
      'lgt/hybrid: llm (default when LGT_LLM_BASE_URL or OPENAI_API_KEY is set) or rules',
      (v) => {
        if (v !== 'llm' && v !== 'rules') throw new UsageError('--agents must be llm or rules');
        return v;
      },
    )
    .option(
      '--llm-required',
      'fail the campaign at the first agent turn the LLM does not answer, rather than go on with the rules',
    )
    .option(
      '--llm-tokens <n>',
      'stop the campaign once its LLM calls used this many tokens',
      parseSigned('--llm-tokens'),
    )
    .option(
      '--llm-cost <usd>',
      'stop the campaign once its LLM calls cost this much (USD)',
      parseSigned('--llm-cost'),
    )
    .option(
      '--optimize-every <n>',
      'lgt/hybrid: the Optimizer rewrites the Advisor prompt every n rounds',
      parseSigned('--optimize-every'),
    );
  command.action(async (taskArg: string | undefined, opts: RunOptions) => {
    if (taskArg && opts.task)
      throw new UsageError(
        `give the task once: either "lgt run ${taskArg}" or --task ${opts.task}`,
      );
    const selection = { ...opts, ...(taskArg ? { task: taskArg } : {}) };
    if (selection.csv && !selection.target)
      throw new UsageError('--csv needs --target <column>: the column to predict');
    if (!selection.task && !selection.csv && selection.command === undefined)
      throw new UsageError(
        "name a task: lgt run iris (lgt tasks lists them), lgt run --csv data.csv --target y, lgt run --task ./my-objective.ts, or lgt run --command 'python3 train.py --lr {lr}' --space space.yaml",
      );
    const inRun = inRunSettings(opts, command.getOptionValueSource('trials') === 'cli');
    const request: CampaignRequestInput = {
      task: taskSpecOf(selection),
      ...inRun,
      strategy: opts.strategy as CampaignRequestInput['strategy'],
      maxTrials: opts.trials,
      parallel: opts.parallel,
      seed: opts.seed,
      splitSeed: opts.splitSeed,
      pruner: (opts.prune ? 'median' : opts.pruner) as CampaignRequestInput['pruner'],
      ...(opts.candidates !== undefined
        ? { candidates: opts.candidates as CampaignRequestInput['candidates'] }
        : {}),
      ...(opts.core !== undefined ? { core: opts.core as CampaignRequestInput['core'] } : {}),
      ...(opts.llmShare !== undefined ? { llmShare: opts.llmShare } : {}),
      ...(opts.llmWarmup !== undefined ? { llmWarmup: opts.llmWarmup } : {}),
      ...(opts.llmWarmStart !== undefined ? { llmWarmStart: opts.llmWarmStart } : {}),
      divergence: opts.divergence as CampaignRequestInput['divergence'],
      gridResolution: opts.gridResolution,
      defaultFirst: opts.defaultFirst,
      outputDir: path.resolve(opts.out),
      ...agentSettings(opts),
      ...(opts.timeLimit !== undefined ? { timeLimitSeconds: opts.timeLimit } : {}),
      ...(opts.trialTimeout !== undefined ? { trialTimeoutSeconds: opts.trialTimeout } : {}),
      ...(opts.stepBudget !== undefined ? { stepBudget: opts.stepBudget } : {}),
      ...prunerOptionsOf(opts),
      ...(opts.epochs !== undefined ? { epochs: opts.epochs } : {}),
      ...(opts.cv !== undefined ? { cv: opts.cv } : {}),
      ...(opts.ensemble === false ? { ensemble: 0 } : {}),
      ...(typeof opts.ensemble === 'number' ? { ensemble: opts.ensemble } : {}),
      ...(opts.maxTrain !== undefined ? { maxTrainRows: opts.maxTrain } : {}),
      ...(opts.gridParams ? { gridParams: opts.gridParams.split(',').map((s) => s.trim()) } : {}),
      ...dataDirsOf(opts.dataDir),
      ...(opts.maxEpochs !== undefined ? { maxEpochs: opts.maxEpochs } : {}),
      ...tradeOffOf(opts),
    };
    // A module or a command named on this command line is the operator's choice: this process
    // and its own workers may load or run it.
    const permissions = ownPermissionsOf(request.task, request.dataDirs);
    // Refused before anything is written, or even connected to.
    let prepared = await prepareCampaign(request, permissions);
    printTaskNotes(prepared.task);
    if ((prepared.request.cv ?? 1) > 1)
      note(
        `each trial is scored on ${prepared.request.cv} cross-validation folds of the training and validation rows${opts.cv === undefined ? ` (fewer than ${CV_ROW_THRESHOLD.toLocaleString('en')} rows; --cv 1 turns it off)` : ''}; the test rows stay apart`,
      );
    const ctx = await openCommandContext({
      ...(opts.redisUrl ? { redisUrl: opts.redisUrl } : {}),
      allowEmbedded: !opts.detach,
    });
    try {
      // The trials will run here: a data file that cannot be found or downloaded is one clear
      // error now, not every trial failing three times. (Workers elsewhere have their own data
      // directories, so nothing is checked for them.)
      if (
        !opts.detach &&
        opts.localWorkers &&
        !(await servedElsewhere(ctx, prepared.request.task)).served
      ) {
        for (const spec of isObjectiveTask(prepared.task) ? [] : (prepared.task.dataFiles ?? [])) {
          await resolveDataFile(spec, {
            ...(request.dataDirs ? { dataDirs: request.dataDirs } : {}),
            onProgress: note,
          });
        }
      }
      if (opts.continueBest !== undefined) {
        // The runs start where another campaign's best trials were (read now, kept in the request).
        const starts = await bestConfigsOf(ctx.store, opts.from!, opts.continueBest);
        prepared = await prepareCampaign(
          { ...request, inRun: { ...request.inRun, starts } },
          permissions,
        );
        note(
          `the run${starts.length > 1 ? 's start' : ' starts'} from the best ${starts.length} of ${opts.from}`,
        );
      }
      const campaign = await createCampaign(ctx.store, ctx.queues, prepared);
      if (opts.detach) {
        process.stdout.write(`${campaign.id}\n`);
        return;
      }
      const metric = prepared.task.metric;
      note(
        `campaign ${paint('bold', campaign.id, process.stderr)} on ${redactSecrets(ctx.redis.url)}: ${campaign.taskName} (${prepared.task.kind}, ${metric.name}: ${metric.direction === 'maximize' ? 'higher' : 'lower'} is better), ${opts.mode === 'search' ? `${request.strategy}, ${request.maxTrials} trials` : `--mode ${opts.mode}`}, ${request.parallel} at a time`,
      );
      await carryOut(ctx, campaign, {
        localWorkers: opts.localWorkers,
        workers: opts.workers ?? opts.parallel,
        json: opts.json === true,
        ...permissions,
      });
    } finally {
      await ctx.close();
    }
  });
}

/**
 * Whether connected workers may carry a campaign of this task on: one that may drive it and one
 * that may run its trials. Workers whose operator did not allow its command, module or data
 * leave its jobs alone, so they do not count (see waitingFor).
 */
async function servedElsewhere(
  ctx: CampaignContext,
  task: TaskSpec,
): Promise<{ served: boolean; trials: number; connected: number }> {
  const { drivers, trials, connected } = await workersFor(ctx.queues, ctx.connection, task);
  return { served: drivers > 0 && trials > 0, trials, connected };
}

/**
 * Follows a campaign to its end, with local workers when no worker is running (and they are
 * allowed). Ctrl-C stops the local workers, handing running trials back; the campaign stays in
 * Redis and `lgt resume` carries on.
 */
export async function carryOut(
  ctx: CampaignContext,
  campaign: CampaignRecord,
  opts: {
    localWorkers: boolean;
    workers: number;
    json: boolean;
    taskDirs?: string[];
    commands?: string[];
    dataDirs?: string[];
  },
): Promise<void> {
  const elsewhere = await servedElsewhere(ctx, campaign.request.task);
  let local: WorkerService | null = null;
  if (opts.localWorkers && !elsewhere.served) {
    local = await WorkerService.start({
      redisUrl: ctx.redis.url,
      concurrency: opts.workers,
      // This command's own workers write where its --out said.
      runsDir: campaign.request.outputDir,
      ...(opts.taskDirs?.length ? { taskDirs: opts.taskDirs } : {}),
      ...(opts.commands?.length ? { commands: opts.commands } : {}),
      ...(opts.dataDirs?.length ? { dataDirs: opts.dataDirs } : {}),
      log: (m) => note(m),
    });
    note(
      `started local workers (${opts.workers} trial processes)${elsewhere.connected > 0 ? `, since none of the ${elsewhere.connected} connected may run ${describeTaskSpec(campaign.request.task)}` : ''}; Ctrl-C stops them, the campaign can be resumed`,
    );
  } else if (elsewhere.served) {
    note(
      `${elsewhere.trials} worker(s) already serve the queue; following the campaign (Ctrl-C stops following, not the campaign)`,
    );
  } else {
    note('no worker is running: start one with `lgt worker` (same Redis) and the campaign begins');
  }
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const final = await followCampaign(ctx.store, ctx.blocking, campaign.id, {
      follow: true,
      json: opts.json,
      statusLine: !opts.json,
      signal: stop.signal,
    });
    if (stop.signal.aborted) {
      note(
        `stopped following. The campaign ${campaign.id} is kept: \`lgt resume ${campaign.id}\` carries on, \`lgt cancel ${campaign.id}\` ends it`,
      );
      if (local) await local.close(true);
      process.exitCode = 130;
      return;
    }
    if (local) await local.close();
    const summary = await summarizeCampaign(ctx.store, final);
    if (opts.json) process.stdout.write(`${JSON.stringify(final)}\n`);
    else process.stdout.write(formatSummary(summary));
    // 1: the campaign did not complete; 3: it completed, on the rules alone, its LLM silent.
    if (final.status !== 'completed') process.exitCode = 1;
    else if (llmSilence(summary) === 'silent') process.exitCode = 3;
  } catch (error) {
    // Following failed (what prints it, or Redis): the local workers stop rather than keep
    // the process alive after the error; the campaign is kept for lgt resume.
    if (local) await local.close(true);
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The end of a campaign: best configuration, its validation and (once) test metric, the report. */
function formatSummary(summary: CampaignSummary): string {
  const { campaign, counts, final } = summary;
  const metric = campaign.metric.name;
  const lines = [
    '',
    paint('bold', `campaign ${campaign.id}: ${campaign.status}`),
    `trials: ${Object.entries(counts)
      .map(([state, n]) => `${n} ${state}`)
      .join(', ')}`,
  ];
  if (campaign.best) {
    const ensemble = summary.ensemble?.ships ? summary.ensemble : undefined;
    // The test score belongs to the final model: the ensemble when it shipped, else the best.
    // Three numbers, each named for what it is (score-names.ts): what the search chose by,
    // the final retrain's validation, and its test score.
    lines.push(
      table([
        [
          '',
          'trial',
          selectionScoreName(campaign.request, metric),
          `retrain validation ${metric}`,
          `test ${metric}`,
        ],
        [
          'best',
          `#${campaign.best.trial}`,
          formatNumber(campaign.best.value),
          ensemble ? '' : formatNumber(final?.validation?.[metric]),
          ensemble ? '' : formatNumber(final?.test?.[metric]),
        ],
        ...(ensemble
          ? [
              [
                'ensemble',
                ensemble.members.map((m) => `#${m.trial}`).join(' '),
                formatNumber(ensemble.value),
                formatNumber(final?.validation?.[metric]),
                formatNumber(final?.test?.[metric]),
              ],
            ]
          : []),
      ]),
      `config: ${formatConfig(campaign.best.config)}`,
    );
    // An objective without its metric's test score may still have others (a surrogate's
    // test_balanced_accuracy): shown by name rather than lost behind the '-'.
    const otherTests = Object.entries(final?.test ?? {}).filter(
      ([name, v]) => name !== metric && name !== 'loss' && Number.isFinite(v),
    );
    if (final?.test && final.test[metric] === undefined && otherTests.length)
      lines.push(`test: ${otherTests.map(([n, v]) => `${n} ${formatNumber(v)}`).join(', ')}`);
    if (summary.simulatedSeconds !== undefined)
      lines.push(
        `simulated training time: ${formatSeconds(summary.simulatedSeconds)} over all trials (what their runs would have taken, by the surrogate; it ran in ${formatSeconds(((campaign.finishedAt ?? Date.now()) - (campaign.startedAt ?? campaign.createdAt)) / 1000)})`,
      );
    if (summary.againstDefault) lines.push(`against the default: ${summary.againstDefault}`);
    if (summary.tradeOff) lines.push(...tradeOffLines(summary.tradeOff));
    if (summary.ensemble) lines.push(`ensemble: ${summary.ensemble.verdict}`);
    if (summary.inRun) lines.push(...inRunLines(summary.inRun));
  } else {
    lines.push(
      summary.tradeOff
        ? 'no trial can be shipped'
        : 'no trial finished, so there is no best configuration',
    );
    if (summary.tradeOff) lines.push(...tradeOffLines(summary.tradeOff));
  }
  const silence = llmSilence(summary);
  if (silence) {
    const llm = summary.llm!;
    const first = llm.firstFallback ? `; the first: ${llm.firstFallback}` : '';
    lines.push(
      silence === 'silent'
        ? paint(
            'red',
            `${describeLlmFallbacks(llm)}${first}. Check LGT_LLM_BASE_URL and the key (docs/agents.md)`,
          )
        : paint('yellow', `${describeLlmFallbacks(llm)}${first}`),
    );
  }
  if (campaign.error) lines.push(paint('red', campaign.error));
  if (summary.files.report)
    lines.push(
      `report: ${summary.files.report} (also trials.csv${summary.files.model ? `, model/${path.basename(summary.files.model)}` : ''})`,
    );
  return `${lines.join('\n')}\n`;
}

/** An in-run campaign's run: the changes it carried on with, and what it cost. */
function inRunLines(inRun: NonNullable<CampaignSummary['inRun']>): string[] {
  const { cost, decisions, changes } = inRun;
  return [
    `the run: ${changes.length ? changes.map((c) => `after epoch ${c.epoch}: ${c.change}`).join('; ') : 'no change was kept'}`,
    `cost: ${cost.epochs} epochs trained in all for a run of ${cost.runEpochs} (${cost.trials} stretches${decisions.accepted + decisions.rejected ? `, ${decisions.accepted} changes accepted, ${decisions.rejected} rejected` : ''}${cost.llmCalls ? `, ${cost.llmCalls} LLM calls, ${cost.tokens} tokens` : ''})`,
  ];
}

function note(message: string): void {
  process.stderr.write(`${paint('dim', message, process.stderr)}\n`);
}

/** Any finite number, negative ones included, so the campaign request can say what is wrong with it. */
function parseSigned(label: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n)) throw new UsageError(`${label} must be a number, got "${value}"`);
    return n;
  };
}

/** Who answers for the agents: an LLM when one is configured here (and not refused), else rules. */
function agentSettings(opts: RunOptions): Partial<CampaignRequestInput> {
  const settings = llmSettingsFromEnv();
  if (opts.llmRequired && opts.agents === 'rules')
    throw new UsageError('--llm-required asks for LLM agents: drop --agents rules');
  const agents = opts.agents ?? (settings || opts.llmRequired ? 'llm' : 'rules');
  if (agents === 'llm' && !settings) {
    throw new UsageError(
      `${opts.llmRequired ? '--llm-required' : '--agents llm'} needs an LLM: set LGT_LLM_BASE_URL (and OPENAI_API_KEY), see "Pointing lgt at an LLM" in docs/agents.md`,
    );
  }
  const budget = {
    ...(opts.llmTokens !== undefined ? { tokens: opts.llmTokens } : {}),
    ...(opts.llmCost !== undefined ? { costUsd: opts.llmCost } : {}),
  };
  return {
    agents,
    ...(agents === 'llm' && settings ? { llmModels: settings.models } : {}),
    // Agents with an expert/anti-expert pair decide among labels (the decision form).
    ...(agents === 'llm' && settings?.proxyTuning
      ? {
          proxyDecisions: Object.keys(settings.proxyTuning) as ('advisor' | 'evaluator')[],
        }
      : {}),
    ...(Object.keys(budget).length ? { llmBudget: budget } : {}),
    ...(opts.llmRequired ? { llmRequired: true } : {}),
    ...(opts.optimizeEvery !== undefined ? { optimizeEvery: opts.optimizeEvery } : {}),
  };
}

/**
 * The mode and its settings. An in-run mode decides how many stretches it trains (the run's
 * epochs, --decide-every, --attempts, --population), so a --trials budget is refused there.
 */
function inRunSettings(
  opts: RunOptions,
  trialsGiven: boolean,
): Pick<CampaignRequestInput, 'mode' | 'inRun'> {
  const mode = opts.mode as CampaignRequestInput['mode'];
  const dynamicOnly = { '--attempts': opts.attempts, '--continue-best': opts.continueBest };
  const inRunOnly = {
    ...dynamicOnly,
    '--decide-every': opts.decideEvery,
    '--population': opts.population,
    '--start': opts.start,
  };
  const given = (flags: Record<string, unknown>) =>
    Object.entries(flags)
      .filter(([, v]) => v !== undefined)
      .map(([flag]) => flag);
  if (mode === 'search' && given(inRunOnly).length)
    throw new UsageError(`${given(inRunOnly).join(', ')} need --mode dynamic or --mode pbt`);
  if (mode === 'pbt' && given(dynamicOnly).length)
    throw new UsageError(`${given(dynamicOnly).join(', ')} apply to --mode dynamic only`);
  if (mode !== 'search' && trialsGiven)
    throw new UsageError(
      `--trials does not apply to --mode ${opts.mode}: the run's epochs and --decide-every set its stretches; --max-epochs bounds what it trains`,
    );
  if ((opts.continueBest === undefined) !== (opts.from === undefined))
    throw new UsageError('--continue-best <k> and --from <campaign> go together');
  const settings = {
    ...(opts.decideEvery !== undefined ? { decideEvery: opts.decideEvery } : {}),
    ...(opts.attempts !== undefined ? { attempts: opts.attempts } : {}),
    ...(opts.population !== undefined ? { population: opts.population } : {}),
    ...(opts.start !== undefined ? { start: opts.start } : {}),
  };
  return { mode, ...(Object.keys(settings).length ? { inRun: settings } : {}) };
}

function prunerOptionsOf(opts: RunOptions): Pick<CampaignRequestInput, 'prunerOptions'> {
  const options = {
    ...(opts.pruneWarmup !== undefined ? { warmupEpochs: opts.pruneWarmup } : {}),
    ...(opts.pruneMinTrials !== undefined ? { minTrials: opts.pruneMinTrials } : {}),
    ...(opts.ashaMinEpochs !== undefined ? { minEpochs: opts.ashaMinEpochs } : {}),
    ...(opts.ashaEta !== undefined ? { reductionFactor: opts.ashaEta } : {}),
  };
  return Object.keys(options).length ? { prunerOptions: options } : {};
}
