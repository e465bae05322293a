import { readFile } from 'node:fs/promises';
import type * as Ort from 'onnxruntime-node';
import { resolveDataFile, type DataFileSpec } from '../data/data-files.ts';
import { ExpectedFailure } from '../errors/expected-failure.ts';

/**
 * YAHPO Gym's LCBench surrogate (Pfisterer et al., AutoML-Conf 2022; data v1.0.2): a network
 * fitted on the logs of LCBench (Zimmer, Lindauer, Hutter 2021), funnel-shaped MLPs trained
 * with SGD on 34 OpenML data sets for up to 52 epochs, that predicts a configuration's metrics
 * at an epoch in under a millisecond. It is ONNX, run in this process by onnxruntime-node.
 */

/** The 34 OpenML task ids of config_space.json, each with its code in encoding.json. */
export const LCBENCH_INSTANCES: Readonly<Record<string, number>> = {
  '3945': 34,
  '7593': 35,
  '34539': 33,
  '126025': 1,
  '126026': 2,
  '126029': 3,
  '146212': 4,
  '167104': 6,
  '167149': 7,
  '167152': 8,
  '167161': 9,
  '167168': 10,
  '167181': 11,
  '167184': 12,
  '167185': 13,
  '167190': 14,
  '167200': 15,
  '167201': 16,
  '168329': 17,
  '168330': 18,
  '168331': 19,
  '168335': 20,
  '168868': 21,
  '168908': 22,
  '168910': 23,
  '189354': 24,
  '189862': 25,
  '189865': 26,
  '189866': 27,
  '189873': 28,
  '189905': 29,
  '189906': 30,
  '189908': 31,
  '189909': 32,
};

/** The learning curve's length: the surrogate was fitted on epochs 1..52. */
export const LCBENCH_EPOCHS = 52;

/** A configuration in the surrogate's own names and units (no log transform, no scaling). */
export type LcbenchConfig = {
  batch_size: number;
  learning_rate: number;
  momentum: number;
  weight_decay: number;
  num_layers: number;
  max_units: number;
  max_dropout: number;
};

/** The surrogate's six outputs, in its order. */
export const LCBENCH_OUTPUTS = [
  'time',
  'val_accuracy',
  'val_cross_entropy',
  'val_balanced_accuracy',
  'test_cross_entropy',
  'test_balanced_accuracy',
] as const;
export type LcbenchOutput = Record<(typeof LCBENCH_OUTPUTS)[number], number>;

const RELEASE = 'https://raw.githubusercontent.com/slds-lmu/yahpo_data/v1.0.2/lcbench';
const spec = (file: string, title: string, sha256?: string): DataFileSpec => ({
  file: `yahpo/lcbench/${file}`,
  title,
  url: `${RELEASE}/${file}`,
  ...(sha256 ? { sha256 } : {}),
});

/**
 * The files, found like data sets (in a data directory under yahpo/lcbench/, or downloaded into
 * the cache) and checked by their SHA-256: another version of the model gives other numbers.
 */
export const LCBENCH_FILES = {
  model: spec(
    'model.onnx',
    "YAHPO Gym's LCBench surrogate model",
    'b45c0d85ae39abf8820c8bea5ac82f415763afcbaf3b725e36af452b09cb6dcd',
  ),
  configSpace: spec(
    'config_space.json',
    'LCBench search space',
    '4d1c78a91429b4a37628e13f286cf1abe15f778a09722a4c01714f2d72a8200d',
  ),
  encoding: spec(
    'encoding.json',
    'LCBench instance codes',
    'd8af928f412bbeb07e58ecd69877fcab35fbc595333d1c1c3f76120d2f2508da',
  ),
  // The data repository keeps every scenario's rows in one file (global_statistics/): checked
  // by its content (every instance's rows), not by a hash, so that file and an LCBench-only
  // copy both work.
  statistics: {
    file: 'yahpo/lcbench/instance_target_statistics.csv',
    title: 'LCBench per-instance minimum and maximum of each target',
    url: 'https://raw.githubusercontent.com/slds-lmu/yahpo_data/v1.0.2/global_statistics/instance_target_statistics.csv',
  },
} satisfies Record<string, DataFileSpec>;

type OrtModule = typeof Ort;

let ortModule: Promise<OrtModule> | undefined;

/**
 * onnxruntime-node, loaded on first use: it is about 294 MB installed (binaries for every
 * platform), so it is not a dependency of the package; a missing one is a clear message.
 */
function loadOrt(): Promise<OrtModule> {
  ortModule ??= import('onnxruntime-node').then(
    // A CommonJS package: its exports are the module's default export under ESM.
    (m) => (Reflect.get(m, 'default') as OrtModule | undefined) ?? m,
    (error: unknown) => {
      ortModule = undefined;
      throw new ExpectedFailure(
        `the bench:lcbench tasks evaluate YAHPO Gym's surrogate with onnxruntime-node, which is not installed here (${(error as Error).message.split('\n')[0]}). Install it beside lgt without its install script, which would download GPU libraries it does not need: ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node`,
      );
    },
  );
  return ortModule;
}

interface Pending {
  rows: { code: number; epoch: number; config: LcbenchConfig }[];
  resolve: (outputs: LcbenchOutput[]) => void;
  reject: (error: unknown) => void;
}

/**
 * One inference session per model file per process, reused by every trial. Evaluations asked
 * for in the same turn of the event loop (trials running side by side, a whole learning curve)
 * go to the model as one batch.
 */
export class LcbenchSurrogate {
  private static readonly sessions = new Map<string, Promise<LcbenchSurrogate>>();
  private pending: Pending[] = [];
  private running: Promise<void> = Promise.resolve();

  private constructor(
    private readonly ort: OrtModule,
    private readonly session: Ort.InferenceSession,
    /** Where the model was read from. */
    readonly modelFile: string,
  ) {}

  /** The surrogate of the model file found in these data directories (or the default ones). */
  static async load(dataDirs?: readonly string[]): Promise<LcbenchSurrogate> {
    const ort = await loadOrt();
    const modelFile = await resolveDataFile(
      LCBENCH_FILES.model,
      dataDirs?.length ? { dataDirs: [...dataDirs] } : {},
    );
    let surrogate = LcbenchSurrogate.sessions.get(modelFile);
    if (!surrogate) {
      surrogate = ort.InferenceSession.create(modelFile, {
        // A small network: one thread each, so trials on the other cores are not slowed down,
        // and results do not depend on how the work was split.
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
        executionMode: 'sequential',
      }).then((session) => new LcbenchSurrogate(ort, session, modelFile));
      LcbenchSurrogate.sessions.set(modelFile, surrogate);
      surrogate.catch(() => LcbenchSurrogate.sessions.delete(modelFile));
    }
    return surrogate;
  }

  /** The metrics of a configuration on an instance at each of the given epochs (1..52). */
  evaluate(
    instance: string,
    config: LcbenchConfig,
    epochs: readonly number[],
  ): Promise<LcbenchOutput[]> {
    const code = LCBENCH_INSTANCES[instance];
    if (code === undefined)
      return Promise.reject(
        new Error(
          `${instance} is not an LCBench instance; the instances are ${Object.keys(LCBENCH_INSTANCES).join(', ')}`,
        ),
      );
    for (const e of epochs) {
      if (!Number.isInteger(e) || e < 1 || e > LCBENCH_EPOCHS)
        return Promise.reject(new Error(`epoch ${e}: LCBench has epochs 1..${LCBENCH_EPOCHS}`));
    }
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => this.flush());
      this.pending.push({
        rows: epochs.map((epoch) => ({ code, epoch, config })),
        resolve,
        reject,
      });
    });
  }

  /** A learning curve: the metrics at epochs 1..epochs. */
  curve(instance: string, config: LcbenchConfig, epochs: number): Promise<LcbenchOutput[]> {
    return this.evaluate(
      instance,
      config,
      Array.from({ length: epochs }, (_, i) => i + 1),
    );
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    // One run at a time on the session; the next batch waits for this one.
    this.running = this.running.then(() => this.run(batch));
  }

  private async run(batch: Pending[]): Promise<void> {
    const rows = batch.flatMap((p) => p.rows);
    const n = rows.length;
    const cat = new Int32Array(n);
    const cont = new Float32Array(n * 8);
    rows.forEach((r, i) => {
      const c = r.config;
      cat[i] = r.code;
      cont.set(
        [
          r.epoch,
          c.batch_size,
          c.learning_rate,
          c.momentum,
          c.weight_decay,
          c.num_layers,
          c.max_units,
          c.max_dropout,
        ],
        i * 8,
      );
    });
    try {
      const out = await this.session.run({
        x_cat: new this.ort.Tensor('int32', cat, [n, 1]),
        x_cont: new this.ort.Tensor('float32', cont, [n, 8]),
      });
      const data = Object.values(out)[0]!.data as Float32Array;
      let at = 0;
      for (const p of batch) {
        p.resolve(
          p.rows.map(() => {
            const row = Object.fromEntries(
              LCBENCH_OUTPUTS.map((name, j) => [name, data[at * 6 + j]!]),
            ) as LcbenchOutput;
            at++;
            return row;
          }),
        );
      }
    } catch (error) {
      for (const p of batch) p.reject(error);
    }
  }
}

/** An instance's minimum and maximum of each target over 500,000 random evaluations. */
export type LcbenchTargetRanges = Record<string, { min: number; max: number }>;

/**
 * The per-instance ranges of instance_target_statistics.csv (rows of scenario lcbench): the
 * reference of the normalized regret `(max - best) / (max - min)`.
 */
export async function lcbenchTargetStatistics(
  dataDirs?: readonly string[],
): Promise<Map<string, LcbenchTargetRanges>> {
  const file = await resolveDataFile(
    LCBENCH_FILES.statistics,
    dataDirs?.length ? { dataDirs: [...dataDirs] } : {},
  );
  const lines = (await readFile(file, 'utf8')).split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines[0]?.split(',') ?? [];
  const col = (name: string) => header.indexOf(name);
  const [m, s, v, sc, inst] = ['metric', 'statistic', 'value', 'scenario', 'instance'].map(col);
  if ([m, s, v, sc, inst].some((i) => i === undefined || i < 0))
    throw new Error(
      `${file}: expected the columns metric,statistic,value,scenario,instance; found ${header.join(',')}`,
    );
  const out = new Map<string, LcbenchTargetRanges>();
  for (const line of lines.slice(1)) {
    const cells = line.split(',');
    if (cells[sc!] !== 'lcbench') continue;
    const ranges = out.get(cells[inst!]!) ?? {};
    const metric = cells[m!]!;
    const value = Number(cells[v!]);
    const range = (ranges[metric] ??= { min: NaN, max: NaN });
    if (cells[s!] === 'min') range.min = value;
    else if (cells[s!] === 'max') range.max = value;
    out.set(cells[inst!]!, ranges);
  }
  const missing = Object.keys(LCBENCH_INSTANCES).filter((id) => {
    const r = out.get(id)?.['val_accuracy'];
    return !r || !Number.isFinite(r.min) || !Number.isFinite(r.max);
  });
  if (missing.length > 0)
    throw new Error(
      `${file} has no val_accuracy minimum and maximum for the LCBench instance(s) ${missing.join(', ')}: it is not YAHPO Gym's instance_target_statistics.csv`,
    );
  return out;
}
