import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SearchSpace } from '../../src/search-space/search-space.ts';
import { readSpaceFile, spaceFileParams } from '../../src/search-space/space-file.ts';
import { REPO_ROOT } from '../helpers/paths.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'lgt-space-'));
function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('space files', () => {
  it('reads the Python example: types, log scales, choices, a condition and the defaults', () => {
    const spec = readSpaceFile(path.join(REPO_ROOT, 'examples/python/space.yaml'));
    expect(spec.metric).toBe('val_loss');
    const space = new SearchSpace(spaceFileParams(spec));
    expect(space.param('lr')).toMatchObject({ kind: 'float', log: true, low: 0.001, high: 1 });
    expect(space.param('hidden')).toMatchObject({ kind: 'int', log: true });
    // No default given: the first choice.
    expect(space.defaults()['activation']).toBe('tanh');
    // momentum applies only with optimizer momentum.
    expect(space.defaults()).not.toHaveProperty('momentum');
    expect(space.parse({ optimizer: 'momentum' })['momentum']).toBe(0.9);
  });

  it('takes JSON too, and puts a missing default in the middle of the range (geometric on a log scale)', () => {
    const spec = readSpaceFile(
      file(
        'space.json',
        JSON.stringify({
          params: {
            a: { type: 'float', low: 1e-4, high: 1, log: true },
            b: { type: 'int', low: 1, high: 10 },
          },
        }),
      ),
    );
    const defaults = new SearchSpace(spaceFileParams(spec)).defaults();
    expect(defaults['a']).toBeCloseTo(0.01, 10);
    expect(defaults['b']).toBe(6);
  });

  it('names every bad field of a malformed file', () => {
    const bad = file(
      'bad.yaml',
      [
        'direction: minimise',
        'params:',
        '  lr: { type: float, low: 0.1, high: 0.01 }',
        '  depth: { type: int, low: 1, high: 3, area: optimisation }',
        '  decay: { type: float, low: 0, high: 1, log: true }',
        '  layers: { type: int, low: 1, high: 4, default: 7 }',
        '  act: { type: choice, choices: [relu, tanh], default: gelu }',
        '  units: { type: integer, low: 1, high: 4 }',
        '  width: { type: int, low: 1, high: 8, colour: red }',
      ].join('\n'),
    );
    let message = '';
    try {
      readSpaceFile(bad);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(bad);
    expect(message).toMatch(/params\.lr\.low: must be below high \(0\.01\)/);
    expect(message).toMatch(/params\.decay\.low: must be above 0 on a log scale/);
    expect(message).toMatch(/params\.layers\.default: must be within 1\.\.4/);
    expect(message).toMatch(/params\.act\.default: must be one of the choices/);
    expect(message).toMatch(/params\.units\.type/);
    expect(message).toMatch(/params\.width.*colour/);
    // A misspelt word gets a sentence with the words it may be, not the library's notation.
    expect(message).toContain('direction: must be one of maximize, minimize (got "minimise")');
    expect(message).toContain(
      'params.depth.area: must be one of architecture, training, features, regularization (got "optimisation")',
    );
  });

  it('names a condition on a parameter that does not exist', () => {
    const bad = file(
      'when.yaml',
      'params:\n  mom: { type: float, low: 0, high: 1, when: { param: optimizer, oneOf: [sgd] } }',
    );
    expect(() => readSpaceFile(bad)).toThrow(
      /params\.mom\.when\.param: names no other parameter \("optimizer"\)/,
    );
  });

  it('refuses a file that is not YAML, an empty space, and unknown top-level fields', () => {
    expect(() => readSpaceFile(file('broken.yaml', 'params: {a: [1, 2'))).toThrow(
      /not valid YAML or JSON/,
    );
    expect(() => readSpaceFile(file('empty.yaml', 'params: {}'))).toThrow(
      /params: must define at least one parameter/,
    );
    expect(() =>
      readSpaceFile(file('extra.yaml', 'metrc: loss\nparams: {a: {type: int, low: 1, high: 2}}')),
    ).toThrow(/metrc/);
    expect(() => readSpaceFile(path.join(dir, 'missing.yaml'))).toThrow(/cannot be read/);
  });
});
