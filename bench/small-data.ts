/**
 * What the small-data benches share: subsamples of a large CSV file and the rule for a wasted
 * trial.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * `name.csv@N`: N rows of name.csv (in dataDir) drawn at random with seed 0, header kept, written
 * to outDir; its path. The same N rows on every run (california-housing's 20,640 rows are too
 * many for "small data").
 */
export function subsample(dataDir: string, spec: string, outDir: string): string {
  const [name, count] = spec.split('@') as [string, string];
  const lines = readFileSync(path.join(dataDir, name), 'utf8').trim().split('\n');
  const body = lines.slice(1);
  // A seeded shuffle (mulberry32), so the subsample is the same on every run.
  let state = 0;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = body.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [body[i], body[j]] = [body[j]!, body[i]!];
  }
  const file = path.resolve(outDir, `${path.basename(name, '.csv')}-${count}.csv`);
  writeFileSync(file, `${[lines[0], ...body.slice(0, Number(count))].join('\n')}\n`);
  return file;
}

/**
 * A trial far worse than the default: a wasted trial. Accuracy (or another score up to 1) 0.1
 * below the default's; an error half as large again as the default's.
 */
export function farWorse(
  value: number,
  byDefault: number,
  metric: { direction: 'maximize' | 'minimize' },
): boolean {
  return metric.direction === 'maximize' ? value < byDefault - 0.1 : value > 1.5 * byDefault;
}
