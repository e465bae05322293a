import { PLAIN_CLASSIFICATION } from '../src/task-kinds/common-params.ts';
import { dataSources } from '../src/data/data-sources.ts';
import { loadIdxImages } from '../src/task-kinds/image/load-idx-images.ts';
import { defineImageTask } from '../src/task-kinds/image/image-task.ts';

export default defineImageTask({
  name: 'mnist',
  title: 'MNIST digits',
  description:
    'Classify 28x28 greyscale images of handwritten digits 0-9. 60,000 training images (10,000 of them held out for validation) and 10,000 test images. Flips would change a digit, so only small translations are offered as augmentation. A linear model reaches about 0.92 accuracy, a small CNN above 0.99; the LGT paper reports 0.78 untuned and 0.99 tuned.',
  dataSummary: 'MNIST IDX files, 70,000 28x28 grey images',
  classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  dataFiles: Object.values(dataSources.mnist),
  loadImages: (options) => loadIdxImages(dataSources.mnist, options),
  validationSize: 10_000,
  allowFlip: false,
  training: { maxEpochs: 50, defaultEpochs: 5, defaultBatchSize: 64 },
  baseline: {
    ...PLAIN_CLASSIFICATION,
    convBlocks: 0,
    denseUnits: 32,
    activation: 'sigmoid',
    batchNorm: false,
    normalization: 'none',
    shift: 0,
    learningRate: 0.001,
    batchSize: 64,
    epochs: 2,
  },
});
