import { readCifar10Batches } from '../../data/cifar10-file.ts';
import { resolveDataFile } from '../../data/data-files.ts';
import type { Cifar10Files } from '../../data/data-sources.ts';
import type { ImageSet } from '../../data/image-set.ts';
import type { LoadOptions } from '../task.ts';

/** CIFAR-10's five training batches and its test batch. */
export async function loadCifar10Images(
  files: Cifar10Files,
  options: LoadOptions,
): Promise<{ train: ImageSet; test: ImageSet }> {
  // One after another: the first call downloads and extracts the archive the others then find.
  const trainFiles: string[] = [];
  for (const spec of files.trainBatches) trainFiles.push(await resolveDataFile(spec, options));
  const testFile = await resolveDataFile(files.testBatch, options);
  const [train, test] = await Promise.all([
    readCifar10Batches(trainFiles),
    readCifar10Batches([testFile]),
  ]);
  return { train, test };
}
