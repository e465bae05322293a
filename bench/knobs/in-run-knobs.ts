import type { Config } from '../../src/search-space/search-space.ts';
import { IN_RUN_PARAMS } from '../../src/strategies/in-run-params.ts';
import type { AnyModelTask } from '../../src/task-kinds/task.ts';

/**
 * A task whose search space keeps only what the in-run modes may change (learning rate and
 * schedule, optimizer, loss, class weights, batch size, dropout, penalty, augmentation); the
 * rest (the model's shape, its inputs, early stopping) is fixed at the untuned baseline's. A
 * static search over it turns the same knobs as `--mode dynamic` and `--mode pbt`, once per run.
 */
export function withInRunKnobs(task: AnyModelTask): AnyModelTask {
  const mutable: readonly string[] = IN_RUN_PARAMS;
  const baseline = task.baseline as Config;
  const fixed = Object.fromEntries(
    Object.entries(baseline).filter(([name]) => !mutable.includes(name) && name !== 'epochs'),
  );
  return { ...task, name: `${task.name}-knobs`, space: task.space.withFixed(fixed) };
}
