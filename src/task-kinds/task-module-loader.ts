import { register } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { millisecondsFromEnv } from '../env/milliseconds-from-env.ts';
import { OWN_MODULE_EXTENSION, PACKAGE_ROOT } from '../env/package-root.ts';

const QUERY = 'lgt-task-module';
let registered = false;

/** How long a task module may take to load (LGT_TASK_LOAD_TIMEOUT_MS, default 30 s). */
function taskLoadTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  return millisecondsFromEnv('LGT_TASK_LOAD_TIMEOUT_MS', 30_000, env);
}

/**
 * Imports a task module (.ts, .mts, .js, .mjs) from anywhere: it may `import ... from 'lgt'`
 * without a node_modules beside it, and loads as an ES module without a package.json beside it
 * (see task-module-hooks.mjs). A module that does not finish loading in `timeoutMs` (a top-level
 * await that never settles) is an error rather than a command that hangs.
 */
export async function importTaskModule(
  absolute: string,
  timeoutMs = taskLoadTimeoutMs(),
): Promise<Record<string, unknown>> {
  if (!registered) {
    // Run from the build, lgt has no TypeScript loader yet: a task module may be TypeScript.
    if (OWN_MODULE_EXTENSION === '.js') (await import('tsx/esm/api')).register();
    register(pathToFileURL(path.join(PACKAGE_ROOT, 'src/task-kinds/task-module-hooks.mjs')).href, {
      data: {
        // `import 'lgt'` is this lgt, the same side (sources or build) as the code that checks
        // the task, so that its SearchSpace is the class lgt checks for.
        entry: new URL(`../index${OWN_MODULE_EXTENSION}`, import.meta.url).href,
        root: pathToFileURL(PACKAGE_ROOT + path.sep).href,
      },
    });
    registered = true;
  }
  const url = new URL(pathToFileURL(absolute).href);
  url.searchParams.set(QUERY, '1');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `it did not finish loading within ${timeoutMs / 1000} s (a top-level await that never settles?); LGT_TASK_LOAD_TIMEOUT_MS sets the limit`,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    // The timer is not unref'd: a module awaiting forever leaves nothing else to keep the
    // process alive, and Node would exit (code 13) without saying which module hung.
    return (await Promise.race([import(url.href), timeout])) as Record<string, unknown>;
  } finally {
    clearTimeout(timer);
  }
}
