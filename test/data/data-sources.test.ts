import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCsvTable, readCsvTable } from '../../src/data/csv-table.ts';
import { resolveDataFile, type DataFileSpec } from '../../src/data/data-files.ts';
import { dataSources, irisDataToCsv } from '../../src/data/data-sources.ts';
import { SHARED_DATASETS, sharedDataset } from '../helpers/paths.ts';

const UCI = 'https://archive.ics.uci.edu/ml/machine-learning-databases';

function allSpecs(): DataFileSpec[] {
  const { fashionMnist, mnist, cifar10, ...tables } = dataSources;
  return [
    ...Object.values(tables),
    ...Object.values(fashionMnist),
    ...Object.values(mnist),
    ...cifar10.trainBatches,
    cifar10.testBatch,
  ];
}

/** UCI's iris.data as published: no header, "Iris-" names, one decimal, two errata rows. */
function uciIrisData(): Buffer {
  const rows = readFileSync(sharedDataset('iris.csv'), 'utf8').trim().split(/\r?\n/).slice(1);
  const uci = rows.map((line, i) => {
    const cells = line.split(',');
    const species = cells.pop()!.replace(/"/g, '');
    let numbers = cells.map((c) => Number(c).toFixed(1)).join(',');
    if (i + 1 === 35 || i + 1 === 38) numbers = '4.9,3.1,1.5,0.1'; // as in UCI's file
    return `${numbers},Iris-${species}`;
  });
  return Buffer.from(uci.join('\n') + '\n\n');
}

describe('irisDataToCsv', () => {
  it("turns UCI's iris.data into the shared iris.csv, byte for byte", () => {
    const uci = uciIrisData();
    expect(uci.toString().split('\n')[34]).toBe('4.9,3.1,1.5,0.1,Iris-setosa');
    const csv = irisDataToCsv(uci);
    // The sha256 listed in the shared data sets' README.
    expect(createHash('sha256').update(csv).digest('hex')).toBe(
      'b1f0b46c3e27350cbf0f75fb3b7d36adcd997c443e764bf09255126feeb11f31',
    );
    const table = parseCsvTable(csv.toString(), 'converted');
    expect(table.rowCount).toBe(150);
    expect(table.columns[4]!.values.slice(0, 2)).toEqual(['setosa', 'setosa']);
  });

  it('corrects only the documented rows of a 150-row file, and refuses other files', () => {
    const two = Buffer.from('5.0,3.6,1.4,0.2,Iris-setosa\r\n4.9,3.1,1.5,0.1,Iris-setosa\r\n\r\n');
    expect(irisDataToCsv(two).toString()).toBe(
      '"Sepal.Length","Sepal.Width","Petal.Length","Petal.Width","Species"\r\n' +
        '5,3.6,1.4,0.2,"setosa"\r\n4.9,3.1,1.5,0.1,"setosa"\r\n',
    );
    expect(() => irisDataToCsv(Buffer.from('5.1,3.5,1.4,Iris-setosa\n'))).toThrow(
      'iris.data line 1 has 4 fields, expected 5',
    );
    expect(() => irisDataToCsv(Buffer.from('5.1,x,1.4,0.2,Iris-setosa\n'))).toThrow(
      'iris.data line 1: "x" is not a number',
    );
  });
});

describe('dataSources', () => {
  it('knows where each data set comes from', () => {
    expect(dataSources.iris.url).toBe(`${UCI}/iris/iris.data`);
    expect(dataSources.wineRed.url).toBe(`${UCI}/wine-quality/winequality-red.csv`);
    expect(dataSources.wineWhite.url).toBe(`${UCI}/wine-quality/winequality-white.csv`);
    expect(dataSources.californiaHousing.url).toBe(
      'https://raw.githubusercontent.com/ageron/handson-ml2/master/datasets/housing/housing.csv',
    );
    expect(dataSources.waterPotability).not.toHaveProperty('url');
    expect(dataSources.waterPotability.howToGet).toContain('adityakadiwal/water-potability');
    expect(dataSources.waterPotability.howToGet).toContain('water_potability.csv');
    expect(dataSources.fashionMnist.trainImages).toEqual({
      file: 'fashion-mnist/train-images-idx3-ubyte.gz',
      title: 'Fashion-MNIST training images',
      url: 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz',
      systemDirs: ['/usr/share/datasets/fashion-mnist'],
    });
    expect(Object.values(dataSources.mnist).map((s) => [s.file, s.url])).toEqual(
      [
        'train-images-idx3-ubyte.gz',
        'train-labels-idx1-ubyte.gz',
        't10k-images-idx3-ubyte.gz',
        't10k-labels-idx1-ubyte.gz',
      ].map((name) => [
        `mnist/${name}`,
        `https://storage.googleapis.com/cvdf-datasets/mnist/${name}`,
      ]),
    );
    const cifar = [...dataSources.cifar10.trainBatches, dataSources.cifar10.testBatch];
    expect(cifar.map((s) => [s.file, s.archiveMember])).toEqual(
      [
        'data_batch_1',
        'data_batch_2',
        'data_batch_3',
        'data_batch_4',
        'data_batch_5',
        'test_batch',
      ].map((n) => [`cifar10/${n}.bin`, `cifar-10-batches-bin/${n}.bin`]),
    );
    expect(new Set(cifar.map((s) => s.url))).toEqual(
      new Set(['https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz']),
    );
  });

  it('gives every file its own name and a way to get it', () => {
    const specs = allSpecs();
    expect(specs).toHaveLength(19);
    expect(new Set(specs.map((s) => s.file)).size).toBe(19);
    for (const spec of specs) {
      expect(spec.title).not.toBe('');
      expect(Boolean(spec.url) || Boolean(spec.howToGet)).toBe(true);
    }
  });

  it('finds the shared CSV files and reads them', async () => {
    const tables = [
      [dataSources.iris, 150],
      [dataSources.wineRed, 1599],
      [dataSources.wineWhite, 4898],
      [dataSources.waterPotability, 3276],
      [dataSources.californiaHousing, 20640],
    ] as const;
    for (const [spec, rows] of tables) {
      const file = await resolveDataFile(spec, { dataDirs: [SHARED_DATASETS], download: false });
      expect(file).toBe(sharedDataset(spec.file));
      expect((await readCsvTable(file)).rowCount).toBe(rows);
    }
  });
});
