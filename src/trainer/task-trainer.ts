import { isObjectiveTask } from '../task-kinds/objective.ts';
import { ObjectiveTrainer } from './objective-trainer.ts';
import { TfjsTrainer } from './tfjs-trainer.ts';
import type { Trainer, TrialRequest, TrialResult } from './trainer.ts';

/**
 * The trainer for any task: a model task trains with TF.js, an objective runs its own code. What
 * calls it (a trial's worker, `lgt trial`, the benchmarks) does not need to know which.
 */
export class TaskTrainer implements Trainer {
  constructor(
    private readonly models: Trainer = new TfjsTrainer(),
    private readonly objectives: Trainer = new ObjectiveTrainer(),
  ) {}

  train(request: TrialRequest): Promise<TrialResult> {
    return isObjectiveTask(request.task)
      ? this.objectives.train(request)
      : this.models.train(request);
  }
}
