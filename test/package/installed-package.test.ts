import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIsFresh } from '../../bin/build-state.js';
import { startRedisServer, type RedisServerProcess } from '../../src/queue/redis-server-process.ts';
import { REPO_ROOT, SHARED_DATASETS, sharedDataset } from '../helpers/paths.ts';
import { runNode } from '../helpers/run-cli.ts';

/**
 * lgt as a project that depends on it gets it (issue 30): `npm pack`, the tarball installed into
 * a new folder, then plain `node` scripts, no tsx, that import 'lgt', and a TypeScript file
 * checked against the package's own declarations.
 */
const project = mkdtempSync(path.join(os.tmpdir(), 'lgt-installed-'));
const runs = path.join(project, 'runs');
let redis: RedisServerProcess;

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

beforeAll(async () => {
  sharedDataset('iris.csv');
  if (!buildIsFresh())
    throw new Error('dist/ is older than the sources: npm run build (npm test runs it first)');
  // The build is what npm test has just made: packing it again would only compile it twice.
  const packed = JSON.parse(
    npm(['pack', '--ignore-scripts', '--json', '--pack-destination', project], REPO_ROOT),
  ) as { filename: string }[];
  const tarball = packed[0]!.filename;
  // The project's lockfile pins lgt's dependencies to the versions lgt's own lockfile (and so
  // its tests) use: npm ci then installs from npm's cache, offline, in seconds. (A plain
  // `npm install <tarball>` resolves versions against the registry: 27 s here, and CI's network.)
  const own = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean } & Record<string, unknown>>;
  };
  const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
    version: string;
    dependencies: Record<string, string>;
    bin: Record<string, string>;
  };
  const dependencies = { lgt: `file:${tarball}` };
  const packages: Record<string, unknown> = {
    '': { name: 'uses-lgt', dependencies },
    'node_modules/lgt': {
      version: manifest.version,
      resolved: `file:${tarball}`,
      dependencies: manifest.dependencies,
      bin: manifest.bin,
    },
  };
  for (const [where, entry] of Object.entries(own.packages))
    if (where.startsWith('node_modules/') && !entry.dev) packages[where] = entry;
  writeFileSync(
    path.join(project, 'package.json'),
    JSON.stringify({ name: 'uses-lgt', private: true, type: 'module', dependencies }),
  );
  writeFileSync(
    path.join(project, 'package-lock.json'),
    JSON.stringify({ name: 'uses-lgt', lockfileVersion: 3, requires: true, packages }),
  );
  // Without install scripts: tfjs-node's would download a binary (it is optional: the wasm
  // backend trains without it), and the package itself needs none.
  npm(['ci', '--offline', '--ignore-scripts', '--omit=optional'], project);
  redis = await startRedisServer();
}, 300_000);

afterAll(async () => {
  await redis?.stop();
});

describe('the installed package', () => {
  it('has its build and no tests, and plain node runs a 2-trial campaign and predicts with its model', async () => {
    const installed = path.join(project, 'node_modules/lgt');
    expect(readdirSync(installed)).toEqual(expect.arrayContaining(['dist', 'bin', 'prompts']));
    expect(readdirSync(installed)).not.toContain('test');

    writeFileSync(
      path.join(project, 'campaign.mjs'),
      `import { startCampaign } from 'lgt';
const campaign = await startCampaign({ task: { kind: 'builtin', name: 'iris' }, strategy: 'random', maxTrials: 2, epochs: 5 });
const report = await campaign.result();
console.log(JSON.stringify({ trials: report.trials.length, test: report.best?.final?.test ?? null }));
`,
    );
    const env = { REDIS_URL: redis.url, LGT_DATA_DIR: SHARED_DATASETS, LGT_RUNS_DIR: runs };
    const ran = await runNode([path.join(project, 'campaign.mjs')], env, project);
    expect(ran.stderr).not.toMatch(/error/i);
    expect(ran.code).toBe(0);
    const result = JSON.parse(ran.stdout.trim().split('\n').at(-1)!) as {
      trials: number;
      test: { accuracy?: number } | null;
    };
    expect(result.trials).toBe(2);
    expect(result.test?.accuracy).toBeGreaterThan(0);
    const [campaignDir] = readdirSync(runs);
    const modelDir = path.join(runs, campaignDir!, 'model');

    writeFileSync(
      path.join(project, 'predict.mjs'),
      `import { loadPredictor } from 'lgt';
const predictor = await loadPredictor(process.argv[2]);
console.log(JSON.stringify(predictor.predict([
  { 'Sepal.Length': 5.1, 'Sepal.Width': 3.5, 'Petal.Length': 1.4, 'Petal.Width': 0.2 },
  { 'Sepal.Length': 6.7, 'Sepal.Width': 3.0, 'Petal.Length': 5.2, 'Petal.Width': 2.3 },
])));
`,
    );
    const predicted = await runNode([path.join(project, 'predict.mjs'), modelDir], {}, project);
    expect(predicted.code).toBe(0);
    const rows = JSON.parse(predicted.stdout.trim().split('\n').at(-1)!) as {
      label: string;
      probabilities: Record<string, number>;
    }[];
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(['setosa', 'versicolor', 'virginica']).toContain(row.label);
      const total = Object.values(row.probabilities).reduce((a, b) => a + b, 0);
      expect(total).toBeCloseTo(1, 4);
    }
  }, 180_000);

  it("gives a TypeScript project the package's types", () => {
    const dir = path.join(project, 'typed');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'use.ts'),
      `import { loadPredictor, startCampaign, LgtClient, type CampaignReport } from 'lgt';
export async function bestOf(report: CampaignReport): Promise<number | undefined> {
  const predictor = await loadPredictor('model');
  void predictor.size;
  void startCampaign;
  void LgtClient;
  return report.best?.trial;
}
// A field the report does not have is a type error, so the types are the package's, not any.
// @ts-expect-error
export const wrong = (r: CampaignReport) => r.notAField;
`,
    );
    writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: [],
        },
        files: ['use.ts'],
      }),
    );
    const tsc = path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
    // Run from the project: 'lgt' resolves to node_modules/lgt above it, through its exports.
    let output = '';
    try {
      output = execFileSync(process.execPath, [tsc, '-p', dir], { cwd: dir, encoding: 'utf8' });
    } catch (e) {
      output = (e as { stdout?: string }).stdout ?? String(e);
    }
    expect(output).toBe('');
  }, 120_000);
});
