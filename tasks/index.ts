import type { AnyTask } from '../src/task-kinds/task.ts';
import californiaHousing from './california-housing.ts';
import cifar10 from './cifar10.ts';
import fashionMnist from './fashion-mnist.ts';
import iris from './iris.ts';
import mnist from './mnist.ts';
import waterPotability from './water-potability.ts';
import wineQuality from './wine-quality.ts';
import wineAdapter from './wine-adapter.ts';
import { benchmarkObjectives } from './benchmark-functions.ts';
import { findLcbenchTask, LCBENCH_FAMILY, lcbenchTasks } from './lcbench.ts';

/** The built-in tasks, in the order `lgt tasks` lists them. */
export const builtInTasks: AnyTask[] = [
  iris,
  wineQuality,
  wineAdapter,
  waterPotability,
  californiaHousing,
  fashionMnist,
  mnist,
  cifar10,
  // Functions with a known optimum, for comparing strategies in seconds (bench/tuning.ts).
  ...benchmarkObjectives,
];

/**
 * Families of built-in tasks too many to list one by one: `lgt tasks` shows each as one line,
 * `lgt tasks <family>` its members.
 */
export interface TaskFamily {
  /** The prefix of its members' names, e.g. bench:lcbench (members: bench:lcbench/3945). */
  name: string;
  title: string;
  /** How a member is named, for `lgt tasks`. */
  pattern: string;
  members(): AnyTask[];
}

export const taskFamilies: TaskFamily[] = [
  {
    name: LCBENCH_FAMILY,
    title:
      "YAHPO Gym's LCBench: MLPs on 34 OpenML data sets, answered by a surrogate with learning curves",
    pattern: `${LCBENCH_FAMILY}/<OpenML task id>[/<metric>]`,
    members: lcbenchTasks,
  },
];

/** The built-in task of that name (a family's member included); an unknown member throws. */
export function findBuiltInTask(name: string): AnyTask | undefined {
  return builtInTasks.find((t) => t.name === name) ?? findLcbenchTask(name);
}
