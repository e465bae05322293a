import { PLAIN_CLASSIFICATION } from '../src/task-kinds/common-params.ts';
import { dataSources } from '../src/data/data-sources.ts';
import { defineTabularTask } from '../src/task-kinds/tabular/tabular-task.ts';

export default defineTabularTask({
  name: 'water-potability',
  title: 'Water potability',
  description:
    'Classify water samples as potable (1) or not (0) from 9 measurements: pH, hardness, total dissolved solids, chloramines, sulfate, conductivity, organic carbon, trihalomethanes, turbidity. 3,276 rows; about 39% are potable, so always answering "not potable" scores about 0.61 accuracy. Missing values in ph (~15%), Sulfate (~24%) and Trihalomethanes (~5%). Feature ranges differ by orders of magnitude (Solids ~20,000, Turbidity ~4). The classes overlap heavily: expect validation accuracy in the mid 0.6s, and treat differences of a point or two as noise.',
  kind: 'classification',
  metric: { name: 'accuracy', direction: 'maximize' },
  source: dataSources.waterPotability,
  dataSummary: 'water-potability.csv, 3,276 rows, 9 numeric features with missing values',
  target: 'Potability',
  hasMissingValues: true,
  hasCategoricalColumns: false,
  training: { maxEpochs: 300, defaultEpochs: 60, defaultBatchSize: 32 },
  baseline: {
    ...PLAIN_CLASSIFICATION,
    hiddenLayers: 1,
    units1: 4,
    activation: 'sigmoid',
    batchNorm: false,
    scaling: 'none',
    logSkewed: false,
    imputation: 'zero',
    learningRate: 0.001,
    batchSize: 32,
    epochs: 10,
  },
});
