import {
  LlmAdvisor,
  LlmCandidateChooser,
  LlmEvaluator,
  LlmPromptOptimizer,
} from '../../agents/llm-agents.ts';
import { RuleBasedAdvisor } from '../../agents/rule-based-advisor.ts';
import { RuleBasedEvaluator } from '../../agents/rule-based-evaluator.ts';
import type { Queue } from 'bullmq';
import type { CampaignRecord } from '../contracts/campaign-record.ts';
import {
  IN_RUN_DEFAULTS,
  type CampaignRequest,
  type NUMERIC_STRATEGY_NAMES,
} from '../contracts/campaign-request.ts';
import type { Config, SearchSpace } from '../search-space/search-space.ts';
import { CmaEsStrategy } from '../strategies/cmaes-strategy.ts';
import { FdpgStrategy, type FdpgOptions } from '../strategies/fdpg-strategy.ts';
import { TpeStrategy, type TpeOptions } from '../strategies/tpe-strategy.ts';
import { GpStrategy } from '../strategies/gp-strategy.ts';
import {
  AutoStrategy,
  chooseAuto,
  chooseAutoTradeOff,
  HANDOVER_SIGMA,
} from '../strategies/auto-strategy.ts';
import { ZeroOrderStrategy } from '../strategies/zo-strategy.ts';
import { Nsga2Strategy } from '../strategies/nsga2-strategy.ts';
import { ObjectiveSet } from '../trade-offs/objective-set.ts';
import { QueuedLlmClient } from '../llm/queued-llm-client.ts';
import { DEFAULT_MODEL } from '../llm/llm-settings.ts';
import { spaceWithEpochs, type AnyTask } from '../task-kinds/task.ts';
import { GridStrategy } from '../strategies/grid-strategy.ts';
import { DefaultFirstStrategy } from '../strategies/default-first-strategy.ts';
import { ConfirmingStrategy, confirmationBudget } from '../strategies/confirming-strategy.ts';
import type { LgtAgents } from '../../agents/lgt-session.ts';
import { HybridStrategy } from '../../agents/hybrid-strategy.ts';
import { LgtStrategy } from '../../agents/lgt-strategy.ts';
import { RandomStrategy } from '../strategies/random-strategy.ts';
import { PbtStrategy } from '../strategies/pbt-strategy.ts';
import { DynamicStrategy } from '../../agents/dynamic-strategy.ts';
import { RuleBasedInRunAdvisor } from '../../agents/rule-based-in-run-advisor.ts';
import { RuleBasedBranchJudge } from '../../agents/rule-based-branch-judge.ts';
import { LlmBranchJudge, LlmInRunAdvisor } from '../../agents/llm-in-run-agents.ts';
import { isObjectiveTask } from '../task-kinds/objective.ts';
import type { StrategyContext } from '../strategies/strategy-context.ts';
import type { Strategy } from '../strategies/strategy.ts';

/** What the factory builds strategies from. */
export interface StrategyDeps {
  /** The campaign's narrow view for a strategy that keeps state under `stateName`. */
  context: (stateName: string) => StrategyContext;
  agentsQueue: Queue;
  /** TPE's settings when not the defaults (bench/tuning.ts --tpe-options compares variants). */
  tpeOptions?: Partial<TpeOptions>;
  /** f-DPG's settings when not the defaults (bench/tuning.ts --fdpg-options). */
  fdpgOptions?: Partial<FdpgOptions>;
  /** Where auto hands a numeric campaign over to CMA-ES, when not HANDOVER_AT (bench/tuning.ts --handover-at). */
  autoHandoverAt?: number;
}

/**
 * The strategy a campaign asked for, over its task's search space (with the epochs pinned when
 * the campaign sets them for every trial, so configurations record what is trained).
 */
export function createStrategy(
  campaign: CampaignRecord,
  task: AnyTask,
  deps: StrategyDeps,
): Strategy {
  if (campaign.request.mode !== 'search') return inRunStrategy(campaign, task, deps);
  const strategy = requestedStrategy(campaign, task, deps);
  const request = campaign.request;
  if (!request.defaultFirst) return strategy;
  const space = spaceWithEpochs(task, request.epochs);
  const withDefault = new DefaultFirstStrategy(strategy, space.defaults() as Config);
  // Cross-validated: the best are re-evaluated on fresh folds before one is picked.
  const folds = request.cv ?? 1;
  const reserve = folds > 1 ? confirmationBudget(request.maxTrials) : 0;
  // A trade-off's pick is a front member, not the best of one number: nothing to confirm.
  if (reserve < 2 || ObjectiveSet.of(request, task.metric).isTradeOff) return withDefault;
  return new ConfirmingStrategy(withDefault, {
    maxTrials: request.maxTrials,
    reserve,
    direction: task.metric.direction,
    folds,
    foldSeed: request.splitSeed + 1,
  });
}

/**
 * The in-run modes: the agents steer runs between epochs (dynamic), or a population does
 * (pbt). Each run starts from the search space's default configuration (--start baseline: the
 * task's untuned baseline), or from the configurations the request carries (--continue-best),
 * trained for the campaign's --epochs or the start's own. With the default first (as in every
 * campaign), the default trained as one plain run of the same epochs is the control.
 */
function inRunStrategy(campaign: CampaignRecord, task: AnyTask, deps: StrategyDeps): Strategy {
  const strategy = inRunMode(campaign, task, deps);
  const request = campaign.request;
  if (!request.defaultFirst) return strategy;
  const control = { ...(spaceWithEpochs(task, request.epochs).defaults() as Config) };
  if (task.space.param('epochs')) control['epochs'] = inRunEpochs(campaign, task);
  // The mode never sees its control: its history leaves it out. Its epochs count in the cost.
  return new DefaultFirstStrategy(strategy, control, {
    hidden: true,
    reason:
      "the search space's default configuration as one plain run of the same epochs: the control the run's result is measured against",
  });
}

/** Where an in-run campaign's runs start (see inRunStrategy). */
function inRunStarts(campaign: CampaignRecord, task: AnyTask): Config[] {
  const request = campaign.request;
  const start =
    request.inRun?.start === 'baseline'
      ? (task.baseline as Config)
      : (spaceWithEpochs(task, request.epochs).defaults() as Config);
  return (request.inRun?.starts ?? [start]).map((c) => ({ ...c }));
}

/** The epochs of an in-run campaign's run: --epochs, else its first start's own. */
function inRunEpochs(campaign: CampaignRecord, task: AnyTask): number {
  return campaign.request.epochs ?? Number(inRunStarts(campaign, task)[0]!['epochs'] ?? 10);
}

function inRunMode(campaign: CampaignRecord, task: AnyTask, deps: StrategyDeps): Strategy {
  const request = campaign.request;
  const inRun = { ...IN_RUN_DEFAULTS, ...request.inRun };
  if (isObjectiveTask(task))
    throw new Error(
      `--mode ${request.mode} needs a model task with checkpoints; ${task.name} is an objective`,
    );
  const starts = inRunStarts(campaign, task);
  const totalEpochs = inRunEpochs(campaign, task);
  for (const c of starts) if (task.space.param('epochs')) c['epochs'] = totalEpochs;
  const space = spaceWithEpochs(task, request.epochs);
  if (request.mode === 'pbt')
    return new PbtStrategy(space, deps.context('pbt'), {
      totalEpochs,
      interval: inRun.decideEvery,
      population: inRun.population,
      start: starts[0]!,
      seed: request.seed,
      direction: task.metric.direction,
    });
  const rules = { advisor: new RuleBasedInRunAdvisor(), judge: new RuleBasedBranchJudge() };
  const client = request.agents === 'llm' ? llmClientFor(campaign, deps) : null;
  return new DynamicStrategy(
    task,
    deps.context('dynamic'),
    {
      advisor: client ? new LlmInRunAdvisor(client) : rules.advisor,
      judge: client
        ? new LlmBranchJudge(client, {
            decisionForm: request.proxyDecisions?.includes('evaluator') ?? false,
          })
        : rules.judge,
      fallbackAdvisor: rules.advisor,
      fallbackJudge: rules.judge,
    },
    {
      totalEpochs,
      decideEvery: inRun.decideEvery,
      attempts: inRun.attempts,
      starts,
      space,
      ...(request.maxEpochs !== undefined ? { maxEpochs: request.maxEpochs } : {}),
    },
  );
}

function requestedStrategy(campaign: CampaignRecord, task: AnyTask, deps: StrategyDeps): Strategy {
  const request = campaign.request;
  const space = spaceWithEpochs(task, request.epochs);
  if (request.strategy === 'hybrid') return hybridStrategy(campaign, task, space, deps);
  if (request.strategy === 'lgt') {
    // With the epochs pinned, the baseline records the epochs it is trained for too.
    const pinned =
      space === task.space
        ? task
        : { ...task, space, baseline: { ...task.baseline, epochs: request.epochs } };
    return new LgtStrategy(
      'lgt',
      pinned,
      campaign,
      deps.context('lgt'),
      agentsFor(campaign, deps),
      {
        optimizeEvery: request.optimizeEvery,
        maxAdvisorTurns: 3,
        numericFallback: new RandomStrategy(space.searched(), request.seed),
        // The candidates come from their own seed, so they are not the fallback's draws again.
        ...(request.candidates
          ? {
              candidates: numericStrategy(
                request.candidates,
                space,
                request.seed + 7,
                task,
                request,
                deps,
              ),
            }
          : {}),
      },
    );
  }
  if (request.strategy === 'auto') return autoStrategy(space, task, request, deps);
  return numericStrategy(request.strategy, space, request.seed, task, request, deps);
}

function autoStrategy(
  space: SearchSpace,
  task: AnyTask,
  request: CampaignRequest,
  deps: StrategyDeps,
): AutoStrategy {
  const choice = ObjectiveSet.of(request, task.metric).isTradeOff
    ? chooseAutoTradeOff(request.maxTrials)
    : chooseAuto(space.searched(), request.maxTrials, deps.autoHandoverAt);
  return new AutoStrategy(
    numericStrategy(choice.strategy, space, request.seed, task, request, deps),
    choice,
    deps.context('auto'),
    choice.handover &&
      new CmaEsStrategy(
        space.searched(),
        request.seed,
        task.metric.direction,
        { start: 'incumbent', firstRunSigma: HANDOVER_SIGMA },
        deps.context('cmaes'),
      ),
  );
}

/**
 * hybrid: the core (`--core`) in control, the Advisor overriding a seeded share of its proposals
 * after the warm-up; without an LLM the rule-based Advisor fills those slots (labelled rules).
 */
function hybridStrategy(
  campaign: CampaignRecord,
  task: AnyTask,
  space: SearchSpace,
  deps: StrategyDeps,
): HybridStrategy {
  const request = campaign.request;
  // After a warm start CMA-ES starts at its best configuration (the others read every result).
  const core =
    request.core === 'auto'
      ? autoStrategy(space, task, request, deps)
      : request.core === 'cmaes' && request.llmWarmStart > 0
        ? new CmaEsStrategy(
            space.searched(),
            request.seed,
            task.metric.direction,
            { start: 'incumbent' },
            deps.context('cmaes'),
          )
        : numericStrategy(request.core, space, request.seed, task, request, deps);
  const agents = agentsFor(campaign, deps);
  return new HybridStrategy(task, campaign, core, agents.advisor, deps.context('hybrid'), {
    seed: request.seed,
    share: request.llmShare,
    warmup: request.llmWarmup,
    warmStart: request.llmWarmStart,
    maxAdvisorTurns: 2,
  });
}

/**
 * A numeric strategy over the space's search ranges (SearchSpace.searched): a practitioner's
 * ranges, so that few trials are spent where models cannot train. What it proposes is still
 * checked against the full space, as every trial is.
 */
function numericStrategy(
  name: (typeof NUMERIC_STRATEGY_NAMES)[number],
  fullSpace: SearchSpace,
  seed: number,
  task: AnyTask,
  request: CampaignRequest,
  deps: StrategyDeps,
): Strategy {
  const space = fullSpace.searched();
  switch (name) {
    case 'random':
      return new RandomStrategy(space, seed);
    case 'grid':
      return new GridStrategy(space, seed, {
        resolution: request.gridResolution,
        ...(request.gridParams ? { params: request.gridParams } : {}),
      });
    case 'tpe':
      return new TpeStrategy(
        space,
        seed,
        task.metric.direction,
        deps.tpeOptions,
        ObjectiveSet.of(request, task.metric),
      );
    case 'nsga2':
      return new Nsga2Strategy(space, seed, ObjectiveSet.of(request, task.metric));
    case 'gp':
      return new GpStrategy(space, seed, task.metric.direction, {
        deterministic: isObjectiveTask(task) && task.deterministic === true,
      });
    case 'cmaes':
      // Its replay's snapshot is kept beside the campaign for a driver that takes over.
      return new CmaEsStrategy(space, seed, task.metric.direction, {}, deps.context('cmaes'));
    case 'zo':
      // A local refiner: it starts from the best trial so far (the defaults when there is none).
      return new ZeroOrderStrategy(
        space,
        seed,
        task.metric.direction,
        { start: 'incumbent' },
        deps.context('zo'),
      );
    case 'fdpg':
      return new FdpgStrategy(space, seed, task.metric.direction, {
        divergence: request.divergence,
        ...deps.fdpgOptions,
      });
  }
}

function agentsFor(campaign: CampaignRecord, deps: StrategyDeps): LgtAgents {
  const rules = { advisor: new RuleBasedAdvisor(), evaluator: new RuleBasedEvaluator() };
  const fallbacks = { fallbackAdvisor: rules.advisor, fallbackEvaluator: rules.evaluator };
  if (campaign.request.agents !== 'llm') return { ...rules, ...fallbacks };
  const client = llmClientFor(campaign, deps);
  const choose =
    campaign.request.strategy === 'lgt' &&
    campaign.request.candidates !== undefined &&
    (campaign.request.proxyDecisions?.includes('advisor') ?? false);
  return {
    advisor: new LlmAdvisor(client),
    evaluator: new LlmEvaluator(client),
    optimizer: new LlmPromptOptimizer(client),
    ...(choose ? { chooser: new LlmCandidateChooser(client) } : {}),
    ...fallbacks,
  };
}

/** The campaign's LLM, reached through the agents queue (its workers hold the key). */
function llmClientFor(campaign: CampaignRecord, deps: StrategyDeps): QueuedLlmClient {
  const models = campaign.request.llmModels ?? {};
  return new QueuedLlmClient(
    deps.agentsQueue,
    campaign.id,
    {
      advisor: models['advisor'] ?? DEFAULT_MODEL,
      evaluator: models['evaluator'] ?? DEFAULT_MODEL,
      optimizer: models['optimizer'] ?? DEFAULT_MODEL,
    },
    {
      onWaiting: (agent, reason) =>
        deps.context('lgt').log({ type: 'agent.waiting', agent, reason }),
    },
  );
}
