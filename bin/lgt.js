#!/usr/bin/env node
// The lgt command. The sources are TypeScript run through tsx, so task modules a person writes
// (`--task ./my-task.ts`) load the same way as the built-in ones, with no build step to forget.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
