// A page per trial.
import {
  app,
  configChanges,
  formatSeconds,
  getJson,
  h,
  selectionScoreName,
} from '/dashboard/page-kit.js';
import { CurvesChart } from '/dashboard/charts.js';
import { formatClock, formatNumber } from '/dashboard/format.js';

/**
 * A page per trial: what it tried (as changes from the default), why (its proposal's reason),
 * how it went (its curve, scores, worker, times, attempts, error) and what was said about it
 * (its events, the Evaluator's verdicts on it).
 */
export async function trialPage(id, n) {
  const [{ trial: t, curve, events }, overview] = await Promise.all([
    getJson(`/api/campaigns/${id}/trials/${n}`),
    getJson(`/api/campaigns/${id}`),
  ]);
  const c = overview.campaign;
  const metric = c.metric.name;
  // The default configuration, to say what this trial changed (trial 1 unless told otherwise).
  const first =
    n === 1 ? { trial: t } : await getJson(`/api/campaigns/${id}/trials/1`).catch(() => null);
  const base = first?.trial?.source === 'default' ? first.trial.config : null;
  const when = (ms) =>
    typeof ms === 'number' ? `${new Date(ms).toISOString().slice(0, 10)} ${formatClock(ms)}` : '-';
  const facts = [
    ['state', t.state],
    [selectionScoreName(c.request, metric), formatNumber(t.value)],
    ...(t.foldValues ? [['folds', t.foldValues.map((v) => formatNumber(v)).join(', ')]] : []),
    ...Object.entries(t.validation ?? {}).map(([k, v]) => [`validation ${k}`, formatNumber(v)]),
    ['proposed by', t.source],
    ['worker', t.worker ?? '-'],
    ['started', when(t.startedAt)],
    ['finished', when(t.finishedAt)],
    ['time', t.seconds !== undefined ? formatSeconds(t.seconds) : '-'],
    ['epochs', t.epochsRun ?? '-'],
    ['attempts', t.attempts],
    ...(t.seed !== undefined ? [['seed', t.seed]] : []),
    ...(t.error ? [['error', t.error]] : []),
  ];
  const curveEl = h('div', { id: 'trial-curve' });
  const verdicts = events
    .filter((e) => e.type === 'agent.message')
    .flatMap((e) => (e.reply?.verdicts ?? []).filter((v) => v.trial === n))
    .map((v) => h('p', {}, h('b', {}, `${v.verdict}: `), v.explanation));
  app.replaceChildren(
    h(
      'div',
      { class: 'card' },
      h(
        'h1',
        {},
        h('a', { href: '#/' }, 'campaigns'),
        ' / ',
        h('a', { href: `#/c/${encodeURIComponent(id)}` }, id),
        ` / trial #${n} `,
        h('span', { class: `status ${t.state}`, id: 'trial-state' }, t.state),
      ),
      h('p', { id: 'trial-reason' }, t.reason || 'no reason given'),
      h(
        'table',
        { id: 'trial-facts' },
        h(
          'tbody',
          {},
          facts.map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, String(v)))),
        ),
      ),
    ),
    h(
      'div',
      { class: 'grid' },
      h(
        'div',
        { class: 'card' },
        h('h2', {}, base ? 'what it changed from the default' : 'its configuration'),
        h('p', { id: 'trial-config' }, configChanges(t.config, base)),
        h('h2', {}, "the Evaluator's verdict"),
        ...(verdicts.length ? verdicts : [h('p', { class: 'muted' }, 'none about this trial')]),
      ),
      h('div', { class: 'card' }, h('h2', {}, 'learning curve'), curveEl),
    ),
    h(
      'div',
      { class: 'card' },
      h('h2', {}, 'what happened to it'),
      h(
        'ul',
        { id: 'trial-events' },
        events
          .filter((e) => e.type !== 'agent.message')
          .map((e) =>
            h(
              'li',
              {},
              `${formatClock(e.at)} ${e.type}${'value' in e ? ` ${formatNumber(e.value)}` : ''}${'error' in e && e.error ? `: ${e.error}` : ''}${'worker' in e ? ` on ${e.worker}` : ''}`,
            ),
          ),
      ),
    ),
  );
  new CurvesChart(curveEl, metric).update(new Map([[n, curve]]), new Map([[n, t.state]]));
}
