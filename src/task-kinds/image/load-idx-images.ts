import { resolveDataFile } from '../../data/data-files.ts';
import type { IdxFiles } from '../../data/data-sources.ts';
import { readIdxImageSet } from '../../data/idx-file.ts';
import type { ImageSet } from '../../data/image-set.ts';
import type { LoadOptions } from '../task.ts';

/** The official training and test sets of an MNIST-format data set. */
export async function loadIdxImages(
  files: IdxFiles,
  options: LoadOptions,
): Promise<{ train: ImageSet; test: ImageSet }> {
  const resolve = (spec: IdxFiles[keyof IdxFiles]) => resolveDataFile(spec, options);
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all([
    resolve(files.trainImages),
    resolve(files.trainLabels),
    resolve(files.testImages),
    resolve(files.testLabels),
  ]);
  options.onProgress?.(`reading ${trainImages}`);
  const [train, test] = await Promise.all([
    readIdxImageSet(trainImages, trainLabels),
    readIdxImageSet(testImages, testLabels),
  ]);
  return { train, test };
}
