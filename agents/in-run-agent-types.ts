import type { AnyTask } from '../src/task-kinds/task.ts';
import type { Config } from '../src/search-space/search-space.ts';
import type { EpochRecord } from '../src/trainer/trainer.ts';
import type { AgentAnswer } from './agent-types.ts';
import type { BranchVerdictReply, InRunChangeReply } from './agent-schemas.ts';

/** A change already tried at this point of the run, and what came of it. */
export interface TriedChange {
  change: string;
  verdict: 'accepted' | 'rejected';
  why: string;
}

/** What the in-run Advisor sees: the run so far (validation only) and what it may change. */
export interface InRunAdviceInput {
  task: AnyTask;
  config: Config;
  /** The run's curve up to now (its winning stretches joined). */
  curve: EpochRecord[];
  epoch: number;
  totalEpochs: number;
  /** 1-based attempt of this decision. */
  attempt: number;
  /** Changes tried before in this run: at this decision and earlier ones. */
  tried: TriedChange[];
}

/** One branch of a decision: the configuration it trained with and its curve over the stretch. */
export interface BranchView {
  trial: number;
  config: Config;
  value: number;
  curve: EpochRecord[];
}

export interface BranchJudgeInput {
  task: AnyTask;
  /** The run before the stretch, for the trend. */
  curve: EpochRecord[];
  change: BranchView;
  keep: BranchView;
  /** The change in words, and why the Advisor proposed it. */
  described: string;
  reason: string;
  /** How much the validation metric jitters from epoch to epoch in this run; null: not yet known. */
  noise: number | null;
}

export interface InRunAdvisor {
  proposeChange(input: InRunAdviceInput): Promise<AgentAnswer<InRunChangeReply>>;
}

export interface BranchJudge {
  judge(input: BranchJudgeInput): Promise<AgentAnswer<BranchVerdictReply>>;
}
