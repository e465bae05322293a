// What every page of the dashboard uses: building elements, calling the API, the error line,
// and numbers as the command line writes them (format.js is its module, src/format/display-format.js).
import { formatNumber } from '/dashboard/format.js';

export const app = document.getElementById('app');
const errorBox = document.getElementById('error');
const tokenInput = document.getElementById('token');

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function authHeaders() {
  const token = tokenInput.value.trim();
  return token ? { authorization: `Bearer ${token}` } : {};
}

export function showError(message) {
  errorBox.textContent = message;
  errorBox.hidden = !message;
}

export async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: { ...authHeaders(), ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      message = (await res.json()).message ?? message;
    } catch {
      // Not JSON: the status line says it.
    }
    if (res.status === 401) message += ' (paste the token in the field at the top)';
    throw new Error(message);
  }
  return res;
}

export const getJson = async (path) => (await api('GET', path)).json();

/**
 * What the score a campaign selects by is called: the fold mean when it cross-validates (the
 * same words as src/campaign/score-names.ts, which the command line and the report use).
 */
export function selectionScoreName(request, metric) {
  const folds = request.cv ?? 1;
  return folds > 1 ? `${metric}, mean of ${folds} folds` : `validation ${metric}`;
}

export function formatSeconds(s) {
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

export function age(ms) {
  return `${formatSeconds((Date.now() - ms) / 1000)} ago`;
}

export function formatConfig(config) {
  return Object.entries(config)
    .map(([k, v]) => `${k}=${formatNumber(v)}`)
    .join(' ');
}

/**
 * A configuration as what it changes from `base` (the campaign's default configuration, trial
 * 1): `learningRate 0.001→0.05 · units1 64→120`, so an entry says what was tried instead of
 * repeating every field. The whole configuration without a base, or when nothing differs.
 */
export function configChanges(config, base) {
  if (!base) return formatConfig(config);
  const changed = Object.entries(config).filter(
    ([k, v]) => JSON.stringify(v) !== JSON.stringify(base[k]),
  );
  if (changed.length === 0) return 'the default configuration';
  return changed
    .map(([k, v]) =>
      base[k] === undefined
        ? `${k} ${formatNumber(v)}`
        : `${k} ${formatNumber(base[k])}→${formatNumber(v)}`,
    )
    .join(' · ');
}

export const finishedCount = (c) => c.completed + c.pruned + c.failed + c.cancelled;
/** dynamic or pbt: the campaign steers runs between epochs (no trial budget of its own). */
export const inRunMode = (request) => request.mode === 'dynamic' || request.mode === 'pbt';
/** Calls `f` at most once per `ms`, the last call winning. */
export function throttle(f, ms) {
  let timer = null;
  return () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      f();
    }, ms);
  };
}
