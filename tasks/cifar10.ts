import { PLAIN_CLASSIFICATION } from '../src/task-kinds/common-params.ts';
import { CIFAR10_CLASS_NAMES } from '../src/data/cifar10-file.ts';
import { dataSources } from '../src/data/data-sources.ts';
import { loadCifar10Images } from '../src/task-kinds/image/load-cifar10-images.ts';
import { defineImageTask } from '../src/task-kinds/image/image-task.ts';

export default defineImageTask({
  name: 'cifar10',
  title: 'CIFAR-10',
  description:
    'Classify 32x32 colour photos into 10 classes (airplane, automobile, bird, cat, deer, dog, frog, horse, ship, truck). 50,000 training images (5,000 of them held out for validation) and 10,000 test images, classes balanced. Much harder than MNIST: small CNNs reach 0.65-0.75 accuracy after several epochs; horizontal flips and small shifts are safe augmentations; per-channel standardization and batch normalization usually help. The LGT paper starts from plain SGD at learning rate 1e-3 (0.49) and reports 0.70 tuned.',
  dataSummary: 'CIFAR-10 binary batches, 60,000 32x32 colour images',
  classNames: [...CIFAR10_CLASS_NAMES],
  dataFiles: [...dataSources.cifar10.trainBatches, dataSources.cifar10.testBatch],
  loadImages: (options) => loadCifar10Images(dataSources.cifar10, options),
  validationSize: 5_000,
  allowFlip: true,
  training: { maxEpochs: 50, defaultEpochs: 5, defaultBatchSize: 64 },
  baseline: {
    ...PLAIN_CLASSIFICATION,
    convBlocks: 1,
    filters: 8,
    kernelSize: 3,
    pooling: 'max',
    denseUnits: 32,
    activation: 'relu',
    batchNorm: false,
    normalization: 'unit',
    flip: false,
    shift: 0,
    learningRate: 0.001,
    batchSize: 64,
    epochs: 2,
  },
});
