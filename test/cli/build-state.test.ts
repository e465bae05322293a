import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildIsFresh, stampBuild } from '../../bin/build-state.js';
import { runCli } from '../helpers/run-cli.ts';

describe('the build in dist/ (npm run build)', () => {
  it('is used only while no source is newer than its stamp', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'lgt-build-'));
    for (const dir of ['src/cli', 'tasks', 'agents', 'dist'])
      mkdirSync(path.join(root, dir), { recursive: true });
    const source = path.join(root, 'src/cli/main.ts');
    writeFileSync(source, 'export {};\n');
    const past = new Date(Date.now() - 60_000);
    utimesSync(source, past, past);
    expect(buildIsFresh(root)).toBe(false); // never built
    stampBuild(root);
    expect(buildIsFresh(root)).toBe(true);
    // An edit after the build (here a nested file, a minute from now): the sources run instead.
    const later = new Date(Date.now() + 60_000);
    utimesSync(source, later, later);
    expect(buildIsFresh(root)).toBe(false);
    // A changed compiler setting makes the build as stale as a changed source.
    utimesSync(source, past, past);
    stampBuild(root);
    expect(buildIsFresh(root)).toBe(true);
    const settings = path.join(root, 'tsconfig.build.json');
    writeFileSync(settings, '{}\n');
    utimesSync(settings, later, later);
    expect(buildIsFresh(root)).toBe(false);
  });

  it('runs the same command as the sources', async () => {
    const built = await runCli(['tasks']);
    const source = await runCli(['tasks'], { LGT_FROM_SOURCE: '1' });
    expect(built.code).toBe(0);
    expect(built.stdout).toContain('wine-quality');
    expect(built.stdout).toBe(source.stdout);
  });
});
