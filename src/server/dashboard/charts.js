// The dashboard's charts: uPlot (small and fast on tens of thousands of points) for the
// metric against trials and the learning curves, and a canvas of parallel coordinates.
import uPlot from '/dashboard/vendor/uPlot.esm.js';

const COLORS = [
  '#2563eb',
  '#dc2626',
  '#16a34a',
  '#9333ea',
  '#ea580c',
  '#0891b2',
  '#4d7c0f',
  '#be185d',
];

function widthOf(el) {
  return Math.max(320, el.clientWidth - 8);
}

/** A chart of the validation metric against epochs, with these series after the epoch axis. */
function epochChart(el, metric, series, data) {
  return new uPlot(
    {
      width: widthOf(el),
      height: 260,
      scales: { x: { time: false } },
      axes: [{ label: 'epoch' }, { label: `validation ${metric}` }],
      series: [{ label: 'epoch' }, ...series],
    },
    data,
    el,
  );
}

/** Every finished trial's metric (points) and the best so far (a line), against the trial number. */
export class ProgressChart {
  constructor(el, metric, direction) {
    this.el = el;
    this.direction = direction;
    this.plot = new uPlot(
      {
        width: widthOf(el),
        height: 260,
        scales: { x: { time: false } },
        axes: [{ label: 'trial' }, { label: `validation ${metric}` }],
        series: [
          { label: 'trial' },
          {
            label: 'trial metric',
            stroke: '#94a3b8',
            paths: () => null,
            points: { show: true, size: 5, fill: '#94a3b8' },
          },
          { label: 'best so far', stroke: '#2563eb', width: 2 },
        ],
      },
      [[], [], []],
      el,
    );
  }

  /** `trials`: [{number, value}] for finished trials with a value. */
  update(trials) {
    const sorted = trials
      .filter((t) => typeof t.value === 'number')
      .sort((a, b) => a.number - b.number);
    const x = [];
    const y = [];
    const best = [];
    let b = null;
    for (const t of sorted) {
      if (b === null || (this.direction === 'maximize' ? t.value > b : t.value < b)) b = t.value;
      x.push(t.number);
      y.push(t.value);
      best.push(b);
    }
    this.plot.setData([x, y, best]);
    // How many trials it shows (the browser test watches it grow).
    this.el.dataset['points'] = String(x.length);
  }
}

/** Validation metric by epoch for the selected trials. */
export class CurvesChart {
  constructor(el, metric) {
    this.el = el;
    this.metric = metric;
    this.plot = null;
  }

  /**
   * `curves`: Map trial -> [{epoch, validationMetric}]. Drawn at each record's own epoch: a
   * stretch of an in-run mode (epochs 401-800, say) sits where it belongs in its run.
   */
  update(curves) {
    const trials = [...curves.keys()];
    const maxEpoch = Math.max(0, ...[...curves.values()].map((c) => c.at(-1)?.epoch ?? 0));
    const x = Array.from({ length: maxEpoch }, (_, i) => i + 1);
    const byEpoch = trials.map(
      (t) => new Map(curves.get(t).map((r) => [r.epoch, r.validationMetric])),
    );
    const data = [x, ...byEpoch.map((m) => x.map((e) => m.get(e) ?? null))];
    this.plot?.destroy();
    this.plot = epochChart(
      this.el,
      this.metric,
      trials.map((t, i) => ({ label: `#${t}`, stroke: COLORS[i % COLORS.length], width: 2 })),
      data,
    );
  }
}

/**
 * An in-run campaign's result: its run's validation metric by epoch, with a point where each
 * accepted change took effect.
 */
export class RunChart {
  constructor(el, metric) {
    this.el = el;
    this.metric = metric;
    this.plot = null;
  }

  /** `curve`: [{epoch, validationMetric}]; `changes`: [{epoch}] (after which a change applied). */
  update(curve, changes) {
    const x = curve.map((r) => r.epoch);
    const y = curve.map((r) => r.validationMetric);
    const at = new Set(changes.map((c) => c.epoch));
    const marks = curve.map((r) => (at.has(r.epoch) ? r.validationMetric : null));
    this.plot?.destroy();
    this.plot = epochChart(
      this.el,
      this.metric,
      [
        { label: 'the run', stroke: '#2563eb', width: 2 },
        {
          label: 'change accepted',
          stroke: '#16a34a',
          paths: () => null,
          points: { show: true, size: 10, fill: '#16a34a' },
        },
      ],
      [x, y, marks],
    );
    this.el.dataset['epochs'] = String(x.length);
    this.el.dataset['changes'] = String(changes.length);
  }
}

/**
 * Parallel coordinates: one vertical axis per parameter (numbers scaled to their range, log
 * scale where the space says so; choices spread evenly) and the metric last; one line per
 * trial, coloured by its metric (blue good, red bad).
 */
export function drawParallel(canvas, space, trials, metric, direction) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  canvas.width = width * ratio;
  canvas.height = height * ratio;
  const g = canvas.getContext('2d');
  g.scale(ratio, ratio);
  g.clearRect(0, 0, width, height);
  const done = trials.filter((t) => typeof t.value === 'number');
  const params = space.filter((p) => done.some((t) => t.config[p.name] !== undefined));
  const axes = [...params.map((p) => p.name), metric];
  const left = 48;
  const right = width - 48;
  const top = 28;
  const bottom = height - 12;
  const xOf = (i) => left + ((right - left) * i) / Math.max(1, axes.length - 1);
  const values = done.map((t) => t.value);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const scaleOf = (p) => {
    if (p.kind === 'choice') return (v) => (p.choices.indexOf(v) + 0.5) / p.choices.length;
    const f = p.log ? Math.log : (v) => v;
    const a = f(p.low);
    const b = f(p.high);
    return (v) => (b === a ? 0.5 : (f(v) - a) / (b - a));
  };
  const scales = params.map(scaleOf);
  const goodness = (v) => {
    const s = hi === lo ? 0.5 : (v - lo) / (hi - lo);
    return direction === 'maximize' ? s : 1 - s;
  };
  // Worst first, so the best lines are drawn on top.
  const order = [...done].sort((a, b) => goodness(a.value) - goodness(b.value));
  g.globalAlpha = done.length > 2000 ? 0.15 : done.length > 300 ? 0.35 : 0.7;
  for (const t of order) {
    const s = goodness(t.value);
    g.strokeStyle = `rgb(${Math.round(220 * (1 - s))}, ${Math.round(80 + 60 * s)}, ${Math.round(60 + 180 * s)})`;
    g.beginPath();
    params.forEach((p, i) => {
      const v = t.config[p.name];
      const y = v === undefined ? null : bottom - (bottom - top) * scales[i](v);
      if (y === null) return;
      if (i === 0) g.moveTo(xOf(i), y);
      else g.lineTo(xOf(i), y);
    });
    g.lineTo(
      xOf(params.length),
      bottom - (bottom - top) * (hi === lo ? 0.5 : (t.value - lo) / (hi - lo)),
    );
    g.stroke();
  }
  g.globalAlpha = 1;
  g.strokeStyle = '#475569';
  g.fillStyle = '#1d2430';
  g.font = '11px system-ui';
  g.textAlign = 'center';
  axes.forEach((name, i) => {
    g.beginPath();
    g.moveTo(xOf(i), top);
    g.lineTo(xOf(i), bottom);
    g.stroke();
    g.textAlign = i === 0 ? 'left' : i === axes.length - 1 ? 'right' : 'center';
    const x = i === 0 ? xOf(i) - 40 : i === axes.length - 1 ? xOf(i) + 40 : xOf(i);
    g.fillText(name.length > 14 ? `${name.slice(0, 13)}…` : name, x, top - 10);
  });
  return done.length;
}
