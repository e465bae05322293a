// A task module of your own: predict an iris's petal width (cm) from its other measurements.
// Run it with: npx lgt trial --task ./examples/petal-width-task.ts
import { defineTabularTask, readCsvTable, resolveDataFile } from 'lgt';

export default defineTabularTask({
  name: 'petal-width',
  title: 'Iris petal width',
  description:
    'Predict the petal width in centimetres of an iris flower from its sepal length and width, petal length and species. 150 rows, no missing values.',
  kind: 'regression',
  metric: { name: 'mae', direction: 'minimize' },
  // Any function that returns a table works here; this one reads iris.csv from the data directory.
  source: async (options) =>
    readCsvTable(await resolveDataFile({ file: 'iris.csv', title: 'Iris' }, options)),
  dataSummary: 'iris.csv, 150 rows',
  target: 'Petal.Width',
  hasMissingValues: false,
  hasCategoricalColumns: true, // Species
  nonNegativeTarget: true,
  training: { maxEpochs: 300, defaultEpochs: 100, defaultBatchSize: 16 },
  baseline: { hiddenLayers: 1, units1: 2, optimizer: 'sgd', learningRate: 0.001, epochs: 10 },
});
