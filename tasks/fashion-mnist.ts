import { PLAIN_CLASSIFICATION } from '../src/task-kinds/common-params.ts';
import { dataSources } from '../src/data/data-sources.ts';
import { loadIdxImages } from '../src/task-kinds/image/load-idx-images.ts';
import { defineImageTask } from '../src/task-kinds/image/image-task.ts';

export default defineImageTask({
  name: 'fashion-mnist',
  title: 'Fashion-MNIST',
  description:
    'Classify 28x28 greyscale photos of clothing into 10 classes (T-shirt/top, trouser, pullover, dress, coat, sandal, shirt, sneaker, bag, ankle boot). 60,000 training images (10,000 of them held out for validation) and 10,000 test images, classes balanced. Shirt, T-shirt, pullover and coat are the classes most often confused. A linear model reaches about 0.84 accuracy, a small CNN about 0.90-0.92. Each epoch over 50,000 images costs real time on a CPU, so the number of epochs and the model size trade accuracy against budget.',
  dataSummary: 'Fashion-MNIST IDX files, 70,000 28x28 grey images',
  classNames: [
    'T-shirt/top',
    'Trouser',
    'Pullover',
    'Dress',
    'Coat',
    'Sandal',
    'Shirt',
    'Sneaker',
    'Bag',
    'Ankle boot',
  ],
  dataFiles: Object.values(dataSources.fashionMnist),
  loadImages: (options) => loadIdxImages(dataSources.fashionMnist, options),
  validationSize: 10_000,
  allowFlip: true,
  training: { maxEpochs: 50, defaultEpochs: 5, defaultBatchSize: 64 },
  baseline: {
    ...PLAIN_CLASSIFICATION,
    convBlocks: 0,
    denseUnits: 32,
    activation: 'sigmoid',
    batchNorm: false,
    normalization: 'none',
    flip: false,
    shift: 0,
    learningRate: 0.001,
    batchSize: 64,
    epochs: 2,
  },
});
