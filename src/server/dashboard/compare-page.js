// Campaigns side by side.
import { app, getJson, h } from '/dashboard/page-kit.js';
import { drawLines } from '/dashboard/charts.js';
import { describeTuning, formatNumber } from '/dashboard/format.js';

/**
 * Campaigns side by side (of the same task, or at least the same metric): the best so far by
 * trial, one line each, and how their trials' scores are spread. What a person asks of two
 * strategies or two seeds.
 */
export async function comparePage(ids) {
  const overviews = await Promise.all(
    ids.map((id) => getJson(`/api/campaigns/${encodeURIComponent(id)}?trials=summary`)),
  );
  const first = overviews[0].campaign;
  const metric = first.metric.name;
  const direction = first.metric.direction;
  const better = (a, b) => (direction === 'maximize' ? a > b : a < b);
  const bestEl = h('div', { id: 'compare-best' });
  const edfEl = h('div', { id: 'compare-edf' });
  const mixed = overviews.some((o) => o.campaign.metric.name !== metric);
  app.replaceChildren(
    h(
      'div',
      { class: 'card' },
      h('h1', {}, h('a', { href: '#/' }, 'campaigns'), ' / compared'),
      h(
        'ul',
        { id: 'compared' },
        overviews.map((o) =>
          h(
            'li',
            {},
            h('a', { href: `#/c/${o.campaign.id}` }, o.campaign.id),
            ` · ${o.campaign.taskName} · ${describeTuning(o.campaign.request)} · seed ${o.campaign.request.seed} · best ${formatNumber(o.campaign.best?.value)}`,
          ),
        ),
      ),
      mixed ? h('p', { class: 'status failed' }, 'these campaigns score different metrics') : null,
    ),
    h(
      'div',
      { class: 'grid' },
      h('div', { class: 'card' }, h('h2', {}, `best ${metric} so far, by trial`), bestEl),
      h('div', { class: 'card' }, h('h2', {}, `how their trials' ${metric} is spread`), edfEl),
    ),
  );
  const longest = Math.max(...overviews.map((o) => o.trials.length), 1);
  const x = Array.from({ length: longest }, (_, i) => i + 1);
  const series = overviews.map((o) => {
    const byNumber = new Map(o.trials.map((t) => [t.number, t.value]));
    let b = null;
    return x.map((n) => {
      const v = byNumber.get(n);
      if (typeof v === 'number' && (b === null || better(v, b))) b = v;
      return b;
    });
  });
  const labels = overviews.map(
    (o) => `${describeTuning(o.campaign.request)} (${o.campaign.id.slice(-4)})`,
  );
  drawLines(bestEl, { x, series, labels, xLabel: 'trial', yLabel: `best ${metric} so far` });
  // The spread: each campaign's sorted scores against their share, on one value axis.
  const all = [...new Set(overviews.flatMap((o) => o.trials.map((t) => t.value)))]
    .filter((v) => typeof v === 'number')
    .sort((a, b) => a - b);
  const shares = overviews.map((o) => {
    const vs = o.trials.map((t) => t.value).filter((v) => typeof v === 'number');
    return all.map((v) => vs.filter((w) => w <= v).length / Math.max(1, vs.length));
  });
  drawLines(edfEl, {
    x: all,
    series: shares,
    labels,
    xLabel: `validation ${metric}`,
    yLabel: 'share of trials',
    stepped: true,
  });
  bestEl.dataset.campaigns = String(overviews.length);
}
