/* global URL */
// Module resolution hooks (node:module register) for task modules a person wrote, wherever they
// live. Plain JavaScript: hooks run on a loader thread, before any TypeScript support.
//  - `import ... from 'lgt'` resolves to this lgt, also from a directory with no node_modules;
//  - a task module (marked with the query below) and the files of its own it imports load as ES
//    modules whatever package.json says or does not say beside them (tsx would otherwise load a
//    lone .ts as CommonJS, which cannot import lgt's ES modules: "require() ... in a cycle").
// lgt's own files are never marked: a second copy of them would make a task's SearchSpace
// another class than the one lgt checks for.
const MARK = 'lgt-task-module';
let entry;
let lgtRoot;

export async function initialize(data) {
  entry = data.entry;
  lgtRoot = data.root;
}

export async function resolve(specifier, context, next) {
  if (specifier === 'lgt') return { url: entry, format: 'module', shortCircuit: true };
  const fromTask = context.parentURL?.includes(`${MARK}=`) ?? false;
  const resolved = await next(specifier, context);
  const url = resolved.url;
  if (url.includes(`${MARK}=`)) return { ...resolved, format: 'module' };
  const own =
    fromTask &&
    url.startsWith('file:') &&
    !url.startsWith(lgtRoot) &&
    !url.includes('/node_modules/') &&
    /\.(ts|mts|js|mjs)$/.test(new URL(url).pathname);
  if (!own) return resolved;
  const marked = new URL(url);
  marked.searchParams.set(MARK, '1');
  return { ...resolved, url: marked.href, format: 'module' };
}
