/**
 * What a task module (`lgt trial --task ./my-task.ts`) and other programs import from lgt.
 */
export {
  choice,
  flag,
  float,
  int,
  type Area,
  type Condition,
  type ParamDef,
} from './search-space/param.ts';
export {
  InvalidConfigError,
  SearchSpace,
  type Config,
  type ConfigOf,
} from './search-space/search-space.ts';
export type {
  AnyTask,
  ArraySplit,
  LoadOptions,
  MetricSpec,
  ModelContext,
  PreparedData,
  Task,
  TaskKind,
} from './task-kinds/task.ts';
export {
  defineObjective,
  type ObjectiveDefinition,
  type ObjectiveMetrics,
  type ObjectiveOutcome,
  type ObjectiveTask,
  type ObjectiveTrial,
} from './task-kinds/objective.ts';
export { defineTabularTask, type TabularTaskOptions } from './task-kinds/tabular/tabular-task.ts';
export { defineImageTask, type ImageTaskOptions } from './task-kinds/image/image-task.ts';
export {
  activationParam,
  classificationLossParams,
  regressionLossParams,
  regularizationParams,
  trainingParams,
  trainingPlanOf,
} from './task-kinds/common-params.ts';
export { floatSplit } from './task-kinds/array-splits.ts';
export { readCsvTable, parseCsvTable } from './data/csv-table.ts';
export { resolveDataFile, type DataFileSpec } from './data/data-files.ts';
export { splitIndices } from './data/split.ts';
export { buildMlp } from './models/mlp.ts';
export { buildCnn } from './models/cnn.ts';
export { TfjsTrainer } from './trainer/tfjs-trainer.ts';
export type { TrialRequest, TrialResult, EpochRecord } from './trainer/trainer.ts';
export type { TrainingPlan } from './task-kinds/training-plan.ts';
export { builtInTasks, findBuiltInTask } from './catalog/task-registry.ts';
export { loadPredictor, Predictor, type Prediction } from './predict/predictor.ts';
export {
  RowError,
  type RawRow,
  type RawValue,
  type TabularEncoding,
} from './task-kinds/tabular/tabular-encoding.ts';
// Campaigns from a script: in this process (`startCampaign`) or through `lgt serve` (`LgtClient`),
// both answering the same handle.
export {
  startCampaign,
  type ScriptRequest,
  type StartCampaignOptions,
} from './client/start-campaign.ts';
export {
  LgtClient,
  LgtApiError,
  type CampaignBody,
  type LgtClientOptions,
} from './client/lgt-client.ts';
export {
  CampaignEndedWithoutReport,
  type CampaignHandle,
  type EventsOptions,
} from './client/campaign-handle.ts';
export type { CampaignOverview } from './contracts/campaign-overview.ts';
export type { CampaignReport } from './contracts/campaign-report.ts';
export type { CampaignRecord } from './contracts/campaign-record.ts';
export type { TrialRecord } from './contracts/trial-record.ts';
export type { LoggedEvent } from './contracts/campaign-events.ts';
export {
  InvalidCampaignRequestError,
  type CampaignRequestInput,
} from './contracts/campaign-request.ts';
