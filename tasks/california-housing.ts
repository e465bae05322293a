import { dataSources } from '../src/data/data-sources.ts';
import { defineTabularTask } from '../src/task-kinds/tabular/tabular-task.ts';

export default defineTabularTask({
  name: 'california-housing',
  title: 'California house values',
  description:
    'Predict the median house value (US dollars, capped at 500,001) of California census block groups (1990 census) from location (longitude, latitude), housing median age, total rooms and bedrooms, population, households, median income (tens of thousands of dollars) and ocean_proximity, a categorical column (<1H OCEAN, INLAND, NEAR OCEAN, NEAR BAY, ISLAND). 20,640 rows; total_bedrooms has 207 missing values. The metric is the mean absolute error in dollars (lower is better); R2 is reported too. Median income is the strongest feature; counts such as total_rooms and population are heavily right-skewed; the target is positive and skewed, so a log target transform often helps.',
  kind: 'regression',
  metric: { name: 'mae', direction: 'minimize' },
  source: dataSources.californiaHousing,
  dataSummary: 'california-housing.csv, 20,640 rows, 8 numeric + 1 categorical feature',
  target: 'median_house_value',
  hasMissingValues: true,
  hasCategoricalColumns: true,
  nonNegativeTarget: true,
  training: { maxEpochs: 200, defaultEpochs: 30, defaultBatchSize: 64 },
  baseline: {
    // The LGT paper's starting point for house prices: a 2-unit MLP on raw features.
    hiddenLayers: 1,
    units1: 2,
    activation: 'relu',
    batchNorm: false,
    scaling: 'none',
    logSkewed: false,
    imputation: 'zero',
    categoricalEncoding: 'ordinal',
    targetTransform: 'none',
    optimizer: 'adam',
    learningRate: 0.001,
    lrSchedule: 'constant',
    batchSize: 32,
    epochs: 5,
    earlyStoppingPatience: 0,
    loss: 'mse',
    dropout: 0,
    penalty: 'none',
  },
});
