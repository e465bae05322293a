import { PLAIN_CLASSIFICATION } from '../src/task-kinds/common-params.ts';
import { dataSources } from '../src/data/data-sources.ts';
import { defineTabularTask } from '../src/task-kinds/tabular/tabular-task.ts';

export default defineTabularTask({
  name: 'iris',
  title: 'Iris species',
  description:
    'Classify iris flowers into three species (setosa, versicolor, virginica) from four measurements in centimetres: sepal length and width, petal length and width. 150 rows, 50 per species, no missing values. Setosa is linearly separable; versicolor and virginica overlap a little, so the last few percent of accuracy come from a well-scaled, well-trained small model. With about 22 validation rows, one sample is 4.5 points of accuracy: treat small differences as noise.',
  kind: 'classification',
  metric: { name: 'accuracy', direction: 'maximize' },
  source: dataSources.iris,
  dataSummary: 'iris.csv, 150 rows, 4 numeric features',
  target: 'Species',
  hasMissingValues: false,
  hasCategoricalColumns: false,
  training: { maxEpochs: 500, defaultEpochs: 100, defaultBatchSize: 16 },
  baseline: {
    ...PLAIN_CLASSIFICATION,
    hiddenLayers: 1,
    units1: 4,
    activation: 'sigmoid',
    batchNorm: false,
    scaling: 'none',
    logSkewed: false,
    learningRate: 0.01,
    batchSize: 32,
    epochs: 10,
  },
});
