import { describe, expect, it } from 'vitest';
import {
  checkPlaceholders,
  commandArgv,
  splitCommand,
} from '../../src/task-kinds/command-template.ts';

const builtIns = { seed: '7', trial: '3', config_file: '/tmp/c.json' };

describe('command templates', () => {
  it('splits words as a shell does, quotes and escapes included', () => {
    expect(splitCommand(`python3 "my train.py" --name 'a b' x\\ y ""`)).toEqual([
      'python3',
      'my train.py',
      '--name',
      'a b',
      'x y',
      '',
    ]);
    expect(() => splitCommand('python3 "train.py')).toThrow(/unclosed " quote/);
    expect(() => splitCommand('   ')).toThrow(/empty/);
  });

  it('fills placeholders inside words, and a value never becomes more words or shell syntax', () => {
    const argv = commandArgv(
      'python3 train.py --lr={lr} --act {act} --seed {seed} --out run-{trial}',
      { lr: 0.01, act: 'relu; rm -rf / $(id) `id`' },
      builtIns,
    );
    expect(argv).toEqual([
      'python3',
      'train.py',
      '--lr=0.01',
      '--act',
      'relu; rm -rf / $(id) `id`',
      '--seed',
      '7',
      '--out',
      'run-3',
    ]);
  });

  it('fills a parameter that does not apply as an empty word, and refuses unknown placeholders up front', () => {
    expect(commandArgv('x --m {momentum}', { lr: 1 }, builtIns)).toEqual(['x', '--m', '']);
    expect(() => checkPlaceholders('x {lr} {learning_rate}', ['lr'])).toThrow(
      /\{learning_rate\}, which the space does not define/,
    );
    expect(() => checkPlaceholders('x {lr} {seed} {trial} {config_file}', ['lr'])).not.toThrow();
  });
});
