import type { AnyTask } from '../task-kinds/task.ts';
import type { CampaignRequest } from '../contracts/campaign-request.ts';
import { loadTask } from '../catalog/task-registry.ts';
import { isObjectiveTask } from '../task-kinds/objective.ts';
import { allowedDataDirs, dataDirsFor } from '../env/data-dirs.ts';

/**
 * Tasks and their loaded data, kept by a worker process between trials: reading and splitting
 * Fashion-MNIST takes seconds, a trial on it maybe less. At most `capacity` data sets are kept
 * (the least recently used goes).
 */
export class TaskDataCache {
  private readonly tasks = new Map<string, Promise<AnyTask>>();
  private readonly data = new Map<string, Promise<unknown>>();

  constructor(private readonly capacity = 2) {}

  task(request: CampaignRequest): Promise<AnyTask> {
    const key = JSON.stringify(request.task);
    let task = this.tasks.get(key);
    if (!task) {
      task = loadTask(request.task);
      this.tasks.set(key, task);
      task.catch(() => this.tasks.delete(key));
    }
    return task;
  }

  async load(
    request: CampaignRequest,
    onProgress?: (message: string) => void,
  ): Promise<{ task: AnyTask; data: unknown }> {
    const task = await this.task(request);
    // The campaign's directories only where this process may read (its record cannot widen them).
    const dataDirs = dataDirsFor(request.dataDirs, allowedDataDirs());
    const key = JSON.stringify([
      request.task,
      request.splitSeed,
      request.maxTrainRows ?? null,
      dataDirs,
    ]);
    // An objective loads nothing: its own code reads its data, trial by trial.
    if (isObjectiveTask(task)) return { task, data: undefined };
    let data = this.data.get(key);
    if (data) {
      // Most recently used goes last.
      this.data.delete(key);
    } else {
      data = task.load({
        splitSeed: request.splitSeed,
        ...(request.maxTrainRows !== undefined ? { maxTrainRows: request.maxTrainRows } : {}),
        ...(dataDirs.length ? { dataDirs } : {}),
        ...(onProgress ? { onProgress } : {}),
      });
      data.catch(() => this.data.delete(key));
    }
    this.data.set(key, data);
    while (this.data.size > this.capacity) this.data.delete(this.data.keys().next().value!);
    return { task, data: await data };
  }
}
