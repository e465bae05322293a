import type { AnyTask } from '../src/tasks/task.ts';
import californiaHousing from './california-housing.ts';
import cifar10 from './cifar10.ts';
import fashionMnist from './fashion-mnist.ts';
import iris from './iris.ts';
import mnist from './mnist.ts';
import waterPotability from './water-potability.ts';
import wineQuality from './wine-quality.ts';
import wineAdapter from './wine-adapter.ts';
import { benchmarkObjectives } from './benchmark-functions.ts';

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

export function findBuiltInTask(name: string): AnyTask | undefined {
  return builtInTasks.find((t) => t.name === name);
}
