import type { InvalidCampaignRequestError } from '../contracts/campaign-request.ts';

/**
 * Which flag of `lgt run` sets each field of a campaign request: the campaign layer names fields
 * (maxTrials must be at least 1), the command line says them as the person typed them.
 */
const FLAG_OF_FIELD: Record<string, string> = {
  strategy: '--strategy',
  maxTrials: '--trials',
  parallel: '--parallel',
  timeLimitSeconds: '--time-limit',
  trialTimeoutSeconds: '--trial-timeout',
  stepBudget: '--step-budget',
  seed: '--seed',
  splitSeed: '--split-seed',
  pruner: '--pruner',
  'prunerOptions.warmupEpochs': '--prune-warmup',
  'prunerOptions.minTrials': '--prune-min-trials',
  'prunerOptions.minEpochs': '--asha-min-epochs',
  'prunerOptions.reductionFactor': '--asha-eta',
  cv: '--cv',
  ensemble: '--ensemble',
  epochs: '--epochs',
  maxTrainRows: '--max-train',
  gridResolution: '--grid-resolution',
  gridParams: '--grid-params',
  agents: '--agents',
  llmRequired: '--llm-required',
  'llmBudget.tokens': '--llm-tokens',
  'llmBudget.costUsd': '--llm-cost',
  candidates: '--candidates',
  core: '--core',
  llmShare: '--llm-share',
  llmWarmup: '--llm-warmup',
  llmWarmStart: '--llm-warm-start',
  divergence: '--divergence',
  optimizeEvery: '--optimize-every',
  outputDir: '--out',
  mode: '--mode',
  'inRun.decideEvery': '--decide-every',
  'inRun.attempts': '--attempts',
  'inRun.population': '--population',
  'inRun.start': '--start',
  maxEpochs: '--max-epochs',
  objectives: '--objective',
  constraints: '--constraint',
  dataDirs: '--data-dir',
  'task.name': '--task',
  'task.path': '--task',
  'task.file': '--csv',
  'task.target': '--target',
  'task.keepColumns': '--keep-columns',
  'task.problem': '--kind',
  'task.command': '--command',
  'task.space': '--space',
  'task.metric': '--metric',
  'task.direction': '--direction',
};

/**
 * The flag that set a field: a repeated flag's fields are numbered (objectives.1.metric is the
 * second --objective).
 */
function flagOf(field: string): string {
  if (FLAG_OF_FIELD[field]) return FLAG_OF_FIELD[field];
  const repeated = /^(objectives|constraints)\.(\d+)/.exec(field);
  if (repeated)
    return `${repeated[1] === 'objectives' ? '--objective' : '--constraint'} #${Number(repeated[2]) + 1}`;
  if (field === 'pick' || field.startsWith('pick.')) return '--pick';
  return field;
}

/** The refusal in the command line's words: each problem after the flag that set its field. */
export function describeRequestError(error: InvalidCampaignRequestError): string {
  const lines = error.fields.map((f) => `${flagOf(f.field)} ${f.message}`);
  return `the campaign cannot start:\n${lines.map((l) => `  - ${l}`).join('\n')}`;
}
