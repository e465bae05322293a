/* global URL */
// Module resolution hooks (node:module register) for task modules a person wrote, wherever they
// live. Plain JavaScript: hooks run on a loader thread, before any TypeScript support.
//  - `import ... from 'lgt'` resolves to this lgt, also from a directory with no node_modules;
//  - a task module (marked with the query below) and what it imports relatively load as ES
//    modules whatever package.json says or does not say beside them (tsx would otherwise load a
//    lone .ts as CommonJS, which cannot import lgt's ES modules: "require() ... in a cycle").
let entry;

const TASK_MODULE_QUERY = 'lgt-task-module';

export async function initialize(data) {
  entry = data.entry;
}

export async function resolve(specifier, context, next) {
  if (specifier === 'lgt') return { url: entry, format: 'module', shortCircuit: true };
  const fromTask = context.parentURL?.includes(`${TASK_MODULE_QUERY}=`) ?? false;
  const resolved = await next(specifier, context);
  const url = resolved.url;
  const local = url.startsWith('file:') && !url.includes('/node_modules/');
  if (url.includes(`${TASK_MODULE_QUERY}=`)) return { ...resolved, format: 'module' };
  if (fromTask && local && /\.(ts|mts|js|mjs)$/.test(new URL(url).pathname)) {
    // Its own helpers too, marked so that theirs follow.
    const u = new URL(url);
    u.searchParams.set(TASK_MODULE_QUERY, '1');
    return { ...resolved, url: u.href, format: 'module' };
  }
  return resolved;
}
