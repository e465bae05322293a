import type { DataFileSpec } from './data-files.ts';

/** The four files of an MNIST-format data set. */
export interface IdxFiles {
  trainImages: DataFileSpec;
  trainLabels: DataFileSpec;
  testImages: DataFileSpec;
  testLabels: DataFileSpec;
}

export interface Cifar10Files {
  trainBatches: DataFileSpec[];
  testBatch: DataFileSpec;
}

const UCI = 'https://archive.ics.uci.edu/ml/machine-learning-databases';

/**
 * Two rows of UCI's iris.data differ from Fisher's published table; UCI's iris.names lists the
 * corrections (sample 35: petal width 0.2; sample 38: sepal width 3.6, petal length 1.4). R's
 * `iris`, and so our iris.csv, has the corrected values: applying them makes a download equal
 * to the file people already have, so results agree between machines.
 */
const IRIS_ERRATA: Record<number, { wrong: string; right: string }> = {
  35: { wrong: '4.9,3.1,1.5,0.1', right: '4.9,3.1,1.5,0.2' },
  38: { wrong: '4.9,3.1,1.5,0.1', right: '4.9,3.6,1.4,0.1' },
};

/**
 * UCI's iris.data (no header, "5.0,3.6,1.4,0.2,Iris-setosa") in our iris.csv layout, the one R's
 * write.csv gives for `iris`: quoted header and species, numbers without trailing zeros, CRLF.
 */
export function irisDataToCsv(downloaded: Buffer): Buffer {
  const lines = downloaded
    .toString('utf8')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '');
  const rows = lines.map((line, i) => {
    const cells = line.split(',').map((c) => c.trim());
    if (cells.length !== 5) {
      throw new Error(
        `iris.data line ${i + 1} has ${cells.length} field${cells.length === 1 ? '' : 's'}, expected 5 (4 measurements and the species): ${line.slice(0, 60)}`,
      );
    }
    const numbers = cells.slice(0, 4).map((c) => {
      const n = Number(c);
      if (c === '' || !Number.isFinite(n))
        throw new Error(`iris.data line ${i + 1}: "${c}" is not a number`);
      return String(n);
    });
    let measurements = numbers.join(',');
    const erratum = lines.length === 150 ? IRIS_ERRATA[i + 1] : undefined;
    if (erratum && measurements === erratum.wrong) measurements = erratum.right;
    return `${measurements},"${cells[4]!.replace(/^Iris-/, '')}"`;
  });
  return Buffer.from(
    ['"Sepal.Length","Sepal.Width","Petal.Length","Petal.Width","Species"', ...rows, ''].join(
      '\r\n',
    ),
  );
}

function idxFiles(dir: string, title: string, baseUrl: string, systemDirs?: string[]): IdxFiles {
  const spec = (name: string, what: string): DataFileSpec => ({
    file: `${dir}/${name}`,
    title: `${title} ${what}`,
    url: `${baseUrl}/${name}`,
    ...(systemDirs ? { systemDirs } : {}),
  });
  return {
    trainImages: spec('train-images-idx3-ubyte.gz', 'training images'),
    trainLabels: spec('train-labels-idx1-ubyte.gz', 'training labels'),
    testImages: spec('t10k-images-idx3-ubyte.gz', 'test images'),
    testLabels: spec('t10k-labels-idx1-ubyte.gz', 'test labels'),
  };
}

/** The binary version: all six batches sit in cifar-10-batches-bin/, so one download gives all. */
function cifar10Files(): Cifar10Files {
  const spec = (name: string): DataFileSpec => ({
    file: `cifar10/${name}`,
    title: `CIFAR-10 ${name}`,
    url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
    archiveMember: `cifar-10-batches-bin/${name}`,
  });
  return {
    trainBatches: [1, 2, 3, 4, 5].map((i) => spec(`data_batch_${i}.bin`)),
    testBatch: spec('test_batch.bin'),
  };
}

/** Where each built-in task's data comes from. */
export const dataSources = {
  iris: {
    file: 'iris.csv',
    title: 'Iris (Fisher 1936, UCI)',
    url: `${UCI}/iris/iris.data`,
    convert: irisDataToCsv,
  } satisfies DataFileSpec,
  wineRed: {
    file: 'winequality-red.csv',
    title: 'Wine Quality, red (Cortez et al. 2009, UCI)',
    url: `${UCI}/wine-quality/winequality-red.csv`,
  } satisfies DataFileSpec,
  // UCI's white-wine file is semicolon-separated like the red one; the CSV reader takes either.
  wineWhite: {
    file: 'winequality-white.csv',
    title: 'Wine Quality, white (Cortez et al. 2009, UCI)',
    url: `${UCI}/wine-quality/winequality-white.csv`,
  } satisfies DataFileSpec,
  waterPotability: {
    file: 'water-potability.csv',
    title: 'Water Quality (Kaggle, Aditya Kadiwal 2021)',
    howToGet:
      'Kaggle has no anonymous download: sign in at https://www.kaggle.com/datasets/adityakadiwal/water-potability ' +
      '(or run `kaggle datasets download adityakadiwal/water-potability`), unzip it and save water_potability.csv as water-potability.csv.',
  } satisfies DataFileSpec,
  californiaHousing: {
    file: 'california-housing.csv',
    title: 'California Housing (Pace & Barry 1997, "Hands-On Machine Learning" layout)',
    url: 'https://raw.githubusercontent.com/ageron/handson-ml2/master/datasets/housing/housing.csv',
  } satisfies DataFileSpec,
  fashionMnist: idxFiles(
    'fashion-mnist',
    'Fashion-MNIST',
    'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com',
    // Debian's dataset-fashion-mnist package.
    ['/usr/share/datasets/fashion-mnist'],
  ),
  mnist: idxFiles('mnist', 'MNIST', 'https://storage.googleapis.com/cvdf-datasets/mnist'),
  cifar10: cifar10Files(),
};
