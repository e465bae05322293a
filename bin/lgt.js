#!/usr/bin/env node
// The lgt command. It runs the build in dist/ (npm run build; npm test builds first) when that is
// up to date with the sources: it starts in about half the time. Otherwise, and with
// LGT_FROM_SOURCE=1, it runs the TypeScript sources through tsx, so an edit takes effect at once.
// Task modules a person writes (`--task ./my-task.ts`) load either way.
import { buildIsFresh } from './build-state.js';

if (!process.env.LGT_FROM_SOURCE && buildIsFresh()) {
  await import('../dist/src/cli/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
