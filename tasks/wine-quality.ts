import { PLAIN_TRAINING } from '../src/task-kinds/common-params.ts';
import { dataSources } from '../src/data/data-sources.ts';
import { defineTabularTask } from '../src/task-kinds/tabular/tabular-task.ts';

export default defineTabularTask({
  name: 'wine-quality',
  title: 'Red wine quality',
  description:
    'Predict the quality score (an integer from 3 to 8 given by tasters, most wines 5 or 6) of red Portuguese "Vinho Verde" wines from 11 physico-chemical measurements (acidity, residual sugar, chlorides, sulfur dioxide, density, pH, sulphates, alcohol). 1,599 rows, no missing values, semicolon-separated source. Treated as regression; the metric is the mean absolute error in quality points (lower is better), R2 is reported too. Features have very different ranges (total sulfur dioxide up to ~290, density ~1), alcohol and volatile acidity matter most; predicting the mean gives an MAE of about 0.68.',
  kind: 'regression',
  metric: { name: 'mae', direction: 'minimize' },
  source: dataSources.wineRed,
  dataSummary: 'winequality-red.csv, 1,599 rows, 11 numeric features',
  target: 'quality',
  hasMissingValues: false,
  hasCategoricalColumns: false,
  nonNegativeTarget: true,
  training: { maxEpochs: 300, defaultEpochs: 60, defaultBatchSize: 32 },
  baseline: {
    ...PLAIN_TRAINING,
    hiddenLayers: 1,
    units1: 2,
    activation: 'sigmoid',
    batchNorm: false,
    scaling: 'none',
    logSkewed: false,
    targetTransform: 'none',
    learningRate: 0.001,
    batchSize: 32,
    epochs: 10,
    loss: 'mse',
  },
});
