// A trade-off campaign (several objectives): every trial in the plane of the first two
// objectives with the front drawn through it, the pick and the default marked, and the front's
// hypervolume over trials; from the overview's `tradeOff` and the trials' own metrics.
import { h } from '/dashboard/page-kit.js';
import { blankCanvas, drawLines } from '/dashboard/charts.js';
import { formatNumber } from '/dashboard/format.js';

/** A trial's value of a metric: the campaign's metric is its value, any other its validation's. */
function valueOf(trial, metric, campaignMetric) {
  const v = metric === campaignMetric ? trial.value : trial.validation?.[metric];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function meets(trial, c, campaignMetric) {
  const v = valueOf(trial, c.metric, campaignMetric);
  return v !== null && (c.op === '<=' ? v <= c.bound : v >= c.bound);
}

export class TradeOffPanel {
  constructor(campaign) {
    this.campaignMetric = campaign.metric.name;
    this.canvas = h('canvas', { class: 'front', id: 'front' });
    this.hvEl = h('div', { id: 'hypervolume-chart' });
    this.note = h('p', { class: 'muted', id: 'front-note' });
    this.card = h(
      'div',
      { class: 'card', id: 'trade-off-card' },
      h('h2', {}, 'the trade-off: every trial, the front, the pick'),
      this.canvas,
      this.note,
      h('h2', {}, 'hypervolume of the front over trials'),
      this.hvEl,
    );
  }

  update(tradeOff, trials) {
    if (!tradeOff) return;
    this.drawFront(tradeOff, trials);
    const curve = tradeOff.hypervolumeByTrial;
    if (curve.length && curve.length !== this.drawnCurve) {
      this.drawnCurve = curve.length;
      drawLines(this.hvEl, {
        x: curve.map((p) => p.trial),
        series: [curve.map((p) => p.hypervolume)],
        labels: ['hypervolume'],
        xLabel: 'trial',
        yLabel: 'hypervolume',
        stepped: true,
      });
    }
  }

  drawFront(tradeOff, trials) {
    const [ox, oy] = tradeOff.objectives;
    const { g, width, height } = blankCanvas(this.canvas);
    const left = 64;
    const right = width - 16;
    const top = 12;
    const bottom = height - 40;
    const front = new Set(tradeOff.front.map((m) => m.trial));
    const points = trials
      .filter((t) => t.state === 'completed')
      .map((t) => ({
        trial: t.number,
        x: valueOf(t, ox.metric, this.campaignMetric),
        y: valueOf(t, oy.metric, this.campaignMetric),
        feasible: tradeOff.constraints.every((c) => meets(t, c, this.campaignMetric)),
      }))
      .filter((p) => p.x !== null && p.y !== null);
    // An objective spanning orders of magnitude (a parameter count) is drawn on a log scale.
    const logOf = (v) =>
      v.length > 1 && Math.min(...v) > 0 && Math.max(...v) / Math.min(...v) > 100;
    const xLog = logOf(points.map((p) => p.x));
    const yLog = logOf(points.map((p) => p.y));
    const tx = (v) => (xLog ? Math.log10(v) : v);
    const ty = (v) => (yLog ? Math.log10(v) : v);
    const span = (v) => {
      const lo = Math.min(...v);
      const hi = Math.max(...v);
      return hi > lo ? [lo, hi] : [lo - 1, hi + 1];
    };
    const [x0, x1] = points.length ? span(points.map((p) => tx(p.x))) : [0, 1];
    const [y0, y1] = points.length ? span(points.map((p) => ty(p.y))) : [0, 1];
    const px = (v) => left + ((tx(v) - x0) / (x1 - x0)) * (right - left);
    const py = (v) => bottom - ((ty(v) - y0) / (y1 - y0)) * (bottom - top);
    const shown = (v, log) => formatNumber(log ? 10 ** v : v);
    g.strokeStyle = '#94a3b8';
    g.strokeRect(left, top, right - left, bottom - top);
    g.fillStyle = '#334155';
    g.font = '12px system-ui, sans-serif';
    const better = (o, log) =>
      `${o.direction === 'maximize' ? 'higher is better' : 'lower is better'}${log ? ', log scale' : ''}`;
    g.fillText(`${ox.metric} (${better(ox, xLog)})`, left + (right - left) / 2 - 60, height - 8);
    g.fillText(shown(x0, xLog), left, bottom + 16);
    g.fillText(shown(x1, xLog), right - 40, bottom + 16);
    g.save();
    g.translate(14, top + (bottom - top) / 2 + 60);
    g.rotate(-Math.PI / 2);
    g.fillText(`${oy.metric} (${better(oy, yLog)})`, 0, 0);
    g.restore();
    g.fillText(shown(y1, yLog), 18, top + 10);
    g.fillText(shown(y0, yLog), 18, bottom);
    for (const p of points) {
      if (front.has(p.trial)) continue;
      g.fillStyle = p.feasible ? '#94a3b8' : '#dc2626';
      if (p.feasible) {
        g.beginPath();
        g.arc(px(p.x), py(p.y), 3, 0, 2 * Math.PI);
        g.fill();
      } else {
        g.fillRect(px(p.x) - 3, py(p.y) - 0.75, 6, 1.5);
        g.fillRect(px(p.x) - 0.75, py(p.y) - 3, 1.5, 6);
      }
    }
    // The front as a staircase in the order of the first objective.
    const members = tradeOff.front
      .map((m) => ({ trial: m.trial, x: m.values[0], y: m.values[1] }))
      .sort((a, b) => a.x - b.x);
    g.strokeStyle = '#2563eb';
    g.lineWidth = 1.5;
    g.beginPath();
    members.forEach((m, i) => (i ? g.lineTo(px(m.x), py(m.y)) : g.moveTo(px(m.x), py(m.y))));
    g.stroke();
    g.fillStyle = '#2563eb';
    for (const m of members) {
      g.beginPath();
      g.arc(px(m.x), py(m.y), 4.5, 0, 2 * Math.PI);
      g.fill();
    }
    const pick = tradeOff.pick.member;
    if (pick) {
      g.strokeStyle = '#16a34a';
      g.lineWidth = 2.5;
      g.beginPath();
      g.arc(px(pick.values[0]), py(pick.values[1]), 9, 0, 2 * Math.PI);
      g.stroke();
    }
    const d = tradeOff.default;
    if (d) {
      g.strokeStyle = '#0f172a';
      g.lineWidth = 1.5;
      g.strokeRect(px(d.values[0]) - 5, py(d.values[1]) - 5, 10, 10);
    }
    g.lineWidth = 1;
    // What was drawn, for the browser tests.
    this.canvas.dataset.points = String(points.length);
    this.canvas.dataset.front = members.map((m) => m.trial).join(',');
    this.canvas.dataset.pick = pick ? String(pick.trial) : '';
    this.canvas.dataset.infeasible = String(points.filter((p) => !p.feasible).length);
    this.canvas.dataset.log = [xLog ? 'x' : '', yLog ? 'y' : ''].join('');
    const c = tradeOff.counts;
    this.note.textContent = `${c.feasible} feasible and ${c.infeasible} infeasible trials (red crosses)${tradeOff.objectives.length > 2 ? `; the first two of ${tradeOff.objectives.length} objectives are drawn` : ''}; the front in blue, the pick circled in green (${tradeOff.pick.rule}: ${pick ? `#${pick.trial}` : 'none'}), the default as a square${tradeOff.hypervolume !== null ? `; hypervolume ${formatNumber(tradeOff.hypervolume)}` : ''}`;
  }
}
