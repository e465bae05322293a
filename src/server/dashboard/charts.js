// The dashboard's charts: uPlot (small and fast on tens of thousands of points) for the
// metric against trials and the learning curves, and a canvas of parallel coordinates.
import uPlot from '/dashboard/vendor/uPlot.esm.js';
import { clippedRange } from '/dashboard/scale.js';

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
function epochChart(el, metric, series, data, legend = true) {
  return new uPlot(
    {
      width: widthOf(el),
      height: 260,
      scales: { x: { time: false } },
      axes: [{ label: 'epoch' }, { label: `validation ${metric}` }],
      series: [{ label: 'epoch' }, ...series],
      // Dozens of curves at once: a legend of dozens says nothing.
      legend: { show: legend },
    },
    data,
    el,
  );
}

/**
 * Lines on a shared x: one series per entry of `series` (null where it has no value), labelled
 * and coloured in turn. The compare page's charts.
 */
export function drawLines(el, { x, series, labels, xLabel, yLabel, stepped = false }) {
  el.replaceChildren();
  return new uPlot(
    {
      width: widthOf(el),
      height: 260,
      scales: { x: { time: false } },
      // Room for wide tick labels (a hypervolume of 67,500) beside the axis label.
      axes: [{ label: xLabel }, { label: yLabel, size: 80 }],
      series: [
        { label: xLabel },
        ...series.map((_, i) => ({
          label: labels[i],
          stroke: COLORS[i % COLORS.length],
          width: 2,
          ...(stepped ? { paths: uPlot.paths.stepped({ align: 1 }) } : {}),
        })),
      ],
    },
    [x, ...series],
    el,
  );
}

/** Every finished trial's metric (points) and the best so far (a line), against the trial number. */
export class ProgressChart {
  constructor(el, metric, direction) {
    this.el = el;
    this.metric = metric;
    this.direction = direction;
    this.range = null;
    this.log = false;
    this.trials = [];
    this.build();
  }

  /** The uPlot chart, linear or log on its value axis (uPlot sets that when a chart is made). */
  build() {
    this.plot?.destroy();
    this.plot = new uPlot(
      {
        width: widthOf(this.el),
        height: 260,
        // The value axis leaves out far-off bad trials (see clippedRange): drawn at its edge.
        scales: {
          x: { time: false },
          y: { distr: this.log ? 3 : 1, range: (_u, min, max) => this.range ?? [min, max] },
        },
        axes: [
          { label: 'trial' },
          { label: `validation ${this.metric}${this.log ? ' (log scale)' : ''}` },
        ],
        series: [
          { label: 'trial' },
          {
            label: 'trial metric',
            stroke: '#94a3b8',
            paths: () => null,
            points: { show: true, size: 5, fill: '#94a3b8' },
          },
          { label: 'best so far', stroke: '#2563eb', width: 2 },
          {
            label: 'off the scale (drawn at its edge)',
            stroke: '#dc2626',
            paths: () => null,
            points: { show: true, size: 7, fill: '#dc2626' },
          },
          {
            label: 'pruned (its last epoch)',
            stroke: '#cbd5e1',
            paths: () => null,
            points: { show: true, size: 5, fill: '#ffffff' },
          },
          {
            label: 'failed (no score; at the bad edge)',
            stroke: '#7f1d1d',
            paths: () => null,
            points: { show: true, size: 6, fill: '#7f1d1d' },
          },
        ],
      },
      [[], [], [], [], [], []],
      this.el,
    );
  }

  /** Whether a log scale can show these values (all above 0). */
  canLog() {
    return this.trials.every((t) => typeof t.value !== 'number' || t.value > 0);
  }

  /** Switches the value axis to a log scale and back (where every value is above 0). */
  setLog(on) {
    this.log = on && this.canLog();
    this.build();
    this.update(this.trials);
  }

  /** `trials`: [{number, state, value}], the campaign's trials (unfinished ones are left out). */
  update(trials) {
    this.trials = trials;
    if (this.log && !this.canLog()) return this.setLog(false);
    // Every finished trial: completed ones with their score (the best so far is theirs), pruned
    // ones apart (their score is where they stopped), failed ones marked at the bad edge.
    const sorted = trials
      .filter((t) => typeof t.value === 'number' || t.state === 'failed')
      .sort((a, b) => a.number - b.number);
    const scored = (t) =>
      typeof t.value === 'number' && t.state !== 'pruned' && t.state !== 'failed';
    const x = [];
    const y = [];
    const best = [];
    let b = null;
    for (const t of sorted) {
      if (scored(t) && (b === null || (this.direction === 'maximize' ? t.value > b : t.value < b)))
        b = t.value;
      x.push(t.number);
      y.push(scored(t) ? t.value : null);
      best.push(b);
    }
    // On a log scale the fence is drawn in log units, and the range stays above 0.
    const f = this.log ? Math.log10 : (v) => v;
    const back = this.log ? (v) => 10 ** v : (v) => v;
    const r = clippedRange(y.filter((v) => v !== null).map(f), this.direction);
    this.range = [back(r.min), back(r.max)];
    const inside = (v) => (v === null ? null : Math.min(this.range[1], Math.max(this.range[0], v)));
    const off = y.map((v) => (v === null || inside(v) === v ? null : inside(v)));
    const pruned = sorted.map((t) =>
      t.state === 'pruned' && typeof t.value === 'number' ? inside(t.value) : null,
    );
    const badEdge = this.direction === 'maximize' ? this.range[0] : this.range[1];
    const failed = sorted.map((t) => (t.state === 'failed' ? badEdge : null));
    this.plot.setData([
      x,
      y.map((v, i) => (off[i] === null ? v : null)),
      best.map(inside),
      off,
      pruned,
      failed,
    ]);
    // How many trials it shows (the browser test watches it grow), how many are clipped, and
    // how many were pruned or failed.
    this.el.dataset['points'] = String(y.filter((v) => v !== null).length);
    this.el.dataset['clipped'] = String(r.clipped);
    this.el.dataset['pruned'] = String(pruned.filter((v) => v !== null).length);
    this.el.dataset['failed'] = String(failed.filter((v) => v !== null).length);
    this.el.dataset['log'] = String(this.log);
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
  update(curves, states = new Map()) {
    const trials = [...curves.keys()];
    const maxEpoch = Math.max(0, ...[...curves.values()].map((c) => c.at(-1)?.epoch ?? 0));
    const x = Array.from({ length: maxEpoch }, (_, i) => i + 1);
    const byEpoch = trials.map(
      (t) => new Map(curves.get(t).map((r) => [r.epoch, r.validationMetric])),
    );
    const data = [x, ...byEpoch.map((m) => x.map((e) => m.get(e) ?? null))];
    const many = trials.length > 10;
    this.plot?.destroy();
    this.plot = epochChart(
      this.el,
      this.metric,
      // A pruned trial's curve is dashed and grey: it stopped where the pruner judged it.
      trials.map((t, i) =>
        states.get(t) === 'pruned'
          ? { label: `#${t} (pruned)`, stroke: '#94a3b8', width: 1, dash: [4, 4] }
          : { label: `#${t}`, stroke: COLORS[i % COLORS.length], width: many ? 1 : 2 },
      ),
      data,
      !many,
    );
    this.el.dataset['curves'] = String(trials.length);
    this.el.dataset['pruned'] = String(trials.filter((t) => states.get(t) === 'pruned').length);
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
 * The empirical distribution of the trials' scores (optuna-dashboard's EDF plot): for each value,
 * the share of finished trials that scored at most that much. A search that wastes few trials
 * rises early on the good side (left for an error, right for an accuracy).
 */
export class EdfChart {
  constructor(el, metric) {
    this.el = el;
    this.metric = metric;
    this.plot = null;
  }

  update(trials) {
    const values = trials
      .map((t) => t.value)
      .filter((v) => typeof v === 'number' && Number.isFinite(v))
      .sort((a, b) => a - b);
    const shares = values.map((_, i) => (i + 1) / values.length);
    if (!this.plot) {
      this.plot = new uPlot(
        {
          width: widthOf(this.el),
          height: 220,
          scales: { x: { time: false }, y: { range: [0, 1] } },
          axes: [{ label: `validation ${this.metric}` }, { label: 'share of trials' }],
          series: [
            { label: this.metric },
            {
              label: 'share of trials',
              stroke: '#2563eb',
              width: 2,
              paths: uPlot.paths.stepped({ align: 1 }),
            },
          ],
        },
        [values, shares],
        this.el,
      );
    } else {
      this.plot.setData([values, shares]);
    }
    this.el.dataset['points'] = String(values.length);
  }
}

/**
 * The metric against one dimension (optuna-dashboard's slice plot): a point per finished trial,
 * the dimension's values along x (log-scaled where the page's observed space says so; a choice's
 * options at 0, 1, 2 ... with their names).
 */
export class SliceChart {
  constructor(el, metric) {
    this.el = el;
    this.metric = metric;
    this.plot = null;
  }

  /** `param`: an entry of the page's observed space; `trials`: [{config, value}]. */
  update(param, trials) {
    const position = (v) => (param.kind === 'choice' ? param.choices.indexOf(String(v)) : v);
    const pairs = trials
      .filter((t) => typeof t.value === 'number' && t.config[param.name] !== undefined)
      .map((t) => [position(t.config[param.name]), t.value])
      .filter(([x]) => typeof x === 'number' && (param.kind === 'choice' ? x >= 0 : true))
      .sort((a, b) => a[0] - b[0]);
    const choice = param.kind === 'choice';
    this.plot?.destroy();
    this.plot = new uPlot(
      {
        width: widthOf(this.el),
        height: 240,
        scales: {
          x: {
            time: false,
            ...(param.log ? { distr: 3 } : {}),
            ...(choice ? { range: () => [-0.5, param.choices.length - 0.5] } : {}),
          },
        },
        axes: [
          {
            label: param.name,
            ...(choice
              ? {
                  splits: () => param.choices.map((_, i) => i),
                  values: (_u, ticks) => ticks.map((i) => param.choices[i] ?? ''),
                }
              : {}),
          },
          { label: `validation ${this.metric}` },
        ],
        series: [
          { label: param.name },
          {
            label: this.metric,
            stroke: '#2563eb',
            paths: () => null,
            points: { show: true, size: 5, fill: '#2563eb' },
          },
        ],
      },
      [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
      this.el,
    );
    this.el.dataset['param'] = param.name;
    this.el.dataset['points'] = String(pairs.length);
  }
}

/**
 * A canvas cleared and scaled for the screen's pixel ratio (sharp on high-density screens), at
 * its laid-out width and at `height` or its laid-out height; the 2-D context to draw with.
 */
export function blankCanvas(canvas, height = canvas.clientHeight) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  canvas.width = width * ratio;
  canvas.height = height * ratio;
  const g = canvas.getContext('2d');
  g.scale(ratio, ratio);
  g.clearRect(0, 0, width, height);
  return { g, width, height };
}

/** A trial's colour on the timeline, by how it ended. */
const STATE_COLORS = {
  completed: '#2563eb',
  pruned: '#94a3b8',
  failed: '#dc2626',
  'timed-out': '#ea580c',
  cancelled: '#cbd5e1',
  running: '#16a34a',
};

/**
 * Where the time went: a lane per trial process (the worker that ran it), a bar per trial from
 * its start to its end (or now, while it runs), coloured by how it ended, against seconds since
 * the first trial started. What was drawn is counted in `canvas.dataset` (lanes, bars).
 */
export function drawTimeline(canvas, trials, format = String) {
  const width = canvas.clientWidth;
  const started = trials.filter((t) => typeof t.startedAt === 'number');
  const lanes = [...new Set(started.map((t) => t.worker ?? '?'))].sort();
  const laneHeight = 14;
  const top = 8;
  const left = 110;
  const right = width - 12;
  const height = top + Math.max(1, lanes.length) * laneHeight + 40;
  canvas.style.height = `${height}px`;
  const { g } = blankCanvas(canvas, height);
  const now = Date.now();
  const t0 = Math.min(...started.map((t) => t.startedAt));
  const t1 = Math.max(...started.map((t) => t.finishedAt ?? now), t0 + 1);
  const xOf = (ms) => left + ((right - left) * (ms - t0)) / (t1 - t0);
  g.font = '10px system-ui';
  g.textAlign = 'right';
  g.fillStyle = '#1d2430';
  lanes.forEach((lane, i) => {
    const label = lane.length > 18 ? `…${lane.slice(-17)}` : lane;
    g.fillText(label, left - 6, top + i * laneHeight + 10);
  });
  let bars = 0;
  const byState = {};
  for (const t of started) {
    const lane = lanes.indexOf(t.worker ?? '?');
    const x0 = xOf(t.startedAt);
    const x1 = Math.max(x0 + 1, xOf(t.finishedAt ?? now));
    g.fillStyle = STATE_COLORS[t.state] ?? '#64748b';
    g.fillRect(x0, top + lane * laneHeight + 2, x1 - x0, laneHeight - 4);
    bars++;
    byState[t.state] = (byState[t.state] ?? 0) + 1;
  }
  // The time axis: seconds since the first start, at its ends and middle.
  const axisY = top + lanes.length * laneHeight + 14;
  g.fillStyle = '#1d2430';
  g.textAlign = 'center';
  for (const f of [0, 0.5, 1])
    g.fillText(`${format(((t1 - t0) * f) / 1000)} s`, left + (right - left) * f, axisY);
  // The legend: the states that occur.
  let x = left;
  g.textAlign = 'left';
  for (const state of Object.keys(STATE_COLORS)) {
    if (!started.some((t) => t.state === state)) continue;
    g.fillStyle = STATE_COLORS[state];
    g.fillRect(x, axisY + 10, 10, 8);
    g.fillStyle = '#1d2430';
    g.fillText(state, x + 14, axisY + 18);
    x += 24 + g.measureText(state).width;
  }
  canvas.dataset.lanes = String(lanes.length);
  canvas.dataset.bars = String(bars);
  // The bars drawn in each state's colour (for the test, which reads no pixels).
  canvas.dataset.states = JSON.stringify(byState);
}

/**
 * Parallel coordinates on a canvas: one axis per dimension and one for the metric, each with its
 * values (a numeric axis's ends, log-scaled where the values span 50x or more; every option of a
 * choice at its place), the lines coloured from worse (red) to better (blue), with a legend.
 * `format` is the page's number format (the CLI's rules). What was written where is left in
 * `canvas.dataset.ticks` (JSON), so a test can read the axes without reading pixels.
 */
export function drawParallel(canvas, space, trials, metric, direction, format = String) {
  const { g, width, height } = blankCanvas(canvas);
  const done = trials.filter((t) => typeof t.value === 'number');
  const params = space.filter((p) => done.some((t) => t.config[p.name] !== undefined));
  const axes = [...params.map((p) => p.name), metric];
  const left = 48;
  const right = width - 64;
  const top = 28;
  // Room below for the colour legend.
  const bottom = height - 30;
  const xOf = (i) => left + ((right - left) * i) / Math.max(1, axes.length - 1);
  const values = done.map((t) => t.value);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const scaleOf = (p) => {
    // Choices are compared as the strings observedSpace made of them (false is "false").
    if (p.kind === 'choice') return (v) => (p.choices.indexOf(String(v)) + 0.5) / p.choices.length;
    const f = p.log ? Math.log : (v) => v;
    const a = f(p.low);
    const b = f(p.high);
    return (v) => (b === a ? 0.5 : (f(v) - a) / (b - a));
  };
  const scales = params.map(scaleOf);
  const yOf = (s) => bottom - (bottom - top) * Math.min(1, Math.max(0, s));
  const goodness = (v) => {
    const s = hi === lo ? 0.5 : (v - lo) / (hi - lo);
    return direction === 'maximize' ? s : 1 - s;
  };
  const colour = (s) =>
    `rgb(${Math.round(220 * (1 - s))}, ${Math.round(80 + 60 * s)}, ${Math.round(60 + 180 * s)})`;
  // Range filters (brushed on the axes, see brushParallel): axis index -> [low, high] in the
  // axis's own 0-1 position. A trial outside any is drawn faint and grey.
  const filters = canvas.filters ?? new Map();
  const positionOn = (t, i) =>
    i === params.length
      ? hi === lo
        ? 0.5
        : (t.value - lo) / (hi - lo)
      : t.config[params[i].name] === undefined
        ? null
        : scales[i](t.config[params[i].name]);
  const passes = (t) =>
    [...filters].every(([i, [a, b]]) => {
      const s = positionOn(t, i);
      return s !== null && s >= a && s <= b;
    });
  // Worst first, so the best lines are drawn on top; filtered-out ones first of all.
  const order = [...done].sort(
    (a, b) => Number(passes(a)) - Number(passes(b)) || goodness(a.value) - goodness(b.value),
  );
  const alpha = done.length > 2000 ? 0.15 : done.length > 300 ? 0.35 : 0.7;
  const kept = new Set();
  for (const t of order) {
    const passed = passes(t);
    if (passed) kept.add(t.number);
    g.globalAlpha = passed ? alpha : 0.08;
    g.strokeStyle = passed ? colour(goodness(t.value)) : '#94a3b8';
    g.beginPath();
    params.forEach((p, i) => {
      const v = t.config[p.name];
      if (v === undefined) return;
      const y = yOf(scales[i](v));
      if (i === 0) g.moveTo(xOf(i), y);
      else g.lineTo(xOf(i), y);
    });
    g.lineTo(xOf(params.length), yOf(hi === lo ? 0.5 : (t.value - lo) / (hi - lo)));
    g.stroke();
  }
  g.globalAlpha = 1;
  g.strokeStyle = '#475569';
  g.fillStyle = '#1d2430';
  g.font = '11px system-ui';
  const ticks = [];
  const tick = (axis, text, x, y, align) => {
    g.textAlign = align;
    g.fillText(text, x, y);
    ticks.push({ axis, text, x, y });
  };
  axes.forEach((name, i) => {
    const x = xOf(i);
    g.beginPath();
    g.moveTo(x, top);
    g.lineTo(x, bottom);
    g.stroke();
    const titleAlign = i === 0 ? 'left' : i === axes.length - 1 ? 'right' : 'center';
    const tx = i === 0 ? x - 40 : i === axes.length - 1 ? x + 40 : x;
    tick(name, name.length > 14 ? `${name.slice(0, 13)}…` : name, tx, top - 10, titleAlign);
    // Values beside the axis, on its right (the metric's on its left: nothing is to its right).
    const side = i === axes.length - 1 ? -4 : 4;
    const align = side > 0 ? 'left' : 'right';
    if (i === axes.length - 1) {
      tick(name, format(hi), x + side, top + 4, align);
      tick(name, format(lo), x + side, bottom, align);
      return;
    }
    const p = params[i];
    if (p.kind === 'choice') {
      p.choices.forEach((c) =>
        tick(name, c.length > 10 ? `${c.slice(0, 9)}…` : c, x + side, yOf(scales[i](c)) + 4, align),
      );
    } else {
      tick(name, format(p.high), x + side, top + 4, align);
      tick(name, `${format(p.low)}${p.log ? ' (log)' : ''}`, x + side, bottom, align);
    }
  });
  // The colour legend: worse to better along the bottom.
  const legendWidth = Math.min(160, right - left);
  const gradient = g.createLinearGradient(left, 0, left + legendWidth, 0);
  gradient.addColorStop(0, colour(0));
  gradient.addColorStop(1, colour(1));
  g.fillStyle = gradient;
  g.fillRect(left, height - 14, legendWidth, 8);
  g.fillStyle = '#1d2430';
  tick('legend', `worse ${metric}`, left, height - 17, 'left');
  tick('legend', 'better', left + legendWidth, height - 17, 'right');
  // The brushed ranges, as translucent bands on their axes.
  g.fillStyle = 'rgba(37, 99, 235, 0.15)';
  for (const [i, [a, b]] of filters) g.fillRect(xOf(i) - 6, yOf(b), 12, yOf(a) - yOf(b));
  canvas.dataset.ticks = JSON.stringify(ticks);
  canvas.dataset.shown = String(kept.size);
  // The trials within the brushed ranges (null while nothing is brushed): the table shows these.
  canvas.kept = filters.size > 0 ? kept : null;
  // Where the axes are, for brushParallel.
  canvas.axisGeometry = { xs: axes.map((_, i) => xOf(i)), top, bottom };
  return done.length;
}

/**
 * The metric over two numeric dimensions (optuna-dashboard's contour): the plane coloured by an
 * inverse-distance-weighted estimate from the trials (power 2, on the dimensions' own scales,
 * log where the page's observed space says so), worse red to better blue, its contour lines at
 * five levels, with the trials as points. A map of where the good results were, not a model's
 * prediction: optuna-dashboard interpolates the trials too (plotly's contour of scattered
 * points), and so a line between two distant trials is a guess in both. What was drawn is left
 * in `canvas.dataset` (points, and the axes' ticks).
 */
export function drawContour(canvas, px, py, trials, direction, format = String) {
  const { g, width, height } = blankCanvas(canvas);
  const left = 56;
  const right = width - 12;
  const top = 10;
  const bottom = height - 36;
  const unit = (p) => {
    const f = p.log ? Math.log : (v) => v;
    const [a, b] = [f(p.low), f(p.high)];
    return (v) => (b === a ? 0.5 : (f(v) - a) / (b - a));
  };
  const [ux, uy] = [unit(px), unit(py)];
  const points = trials
    .filter(
      (t) =>
        typeof t.value === 'number' &&
        typeof t.config[px.name] === 'number' &&
        typeof t.config[py.name] === 'number',
    )
    .map((t) => ({ x: ux(t.config[px.name]), y: uy(t.config[py.name]), v: t.value }));
  const values = points.map((p) => p.v);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const goodness = (v) => {
    const s = hi === lo ? 0.5 : (v - lo) / (hi - lo);
    return direction === 'maximize' ? s : 1 - s;
  };
  const colour = (s) =>
    `rgb(${Math.round(220 * (1 - s))}, ${Math.round(80 + 60 * s)}, ${Math.round(60 + 180 * s)})`;
  const cells = 40;
  const cw = (right - left) / cells;
  const ch = (bottom - top) / cells;
  const estimate = (cx, cy) => {
    let num = 0;
    let den = 0;
    for (const p of points) {
      const w = 1 / ((p.x - cx) ** 2 + (p.y - cy) ** 2 + 1e-6);
      num += w * p.v;
      den += w;
    }
    return num / den;
  };
  let segments = 0;
  const levels = [];
  if (points.length > 0) {
    for (let i = 0; i < cells; i++) {
      for (let j = 0; j < cells; j++) {
        // Lighter than the points (mixed with white): opaque, so neighbouring cells do not
        // overlap into a grid.
        const s = goodness(estimate((i + 0.5) / cells, (j + 0.5) / cells));
        const light = (c) => Math.round(c + (255 - c) * 0.45);
        g.fillStyle = `rgb(${light(220 * (1 - s))}, ${light(80 + 60 * s)}, ${light(60 + 180 * s)})`;
        g.fillRect(left + i * cw, bottom - (j + 1) * ch, cw + 0.5, ch + 0.5);
      }
    }
    // The contour lines: five levels evenly between the lowest and highest value, traced by
    // marching squares over the estimate at the grid's corners (a cell's edge is crossed where
    // its two ends lie on either side of the level; the crossing is interpolated linearly).
    const node = [];
    for (let i = 0; i <= cells; i++) {
      node.push([]);
      for (let j = 0; j <= cells; j++) node[i].push(estimate(i / cells, j / cells));
    }
    g.strokeStyle = 'rgba(29, 36, 48, 0.45)';
    g.lineWidth = 1;
    for (let k = 1; hi > lo && k <= 5; k++) {
      const level = lo + ((hi - lo) * k) / 6;
      levels.push(level);
      g.beginPath();
      for (let i = 0; i < cells; i++) {
        for (let j = 0; j < cells; j++) {
          const corners = [
            [i, j],
            [i + 1, j],
            [i + 1, j + 1],
            [i, j + 1],
          ];
          const crossings = [];
          corners.forEach(([ai, aj], e) => {
            const [bi, bj] = corners[(e + 1) % 4];
            const [va, vb] = [node[ai][aj], node[bi][bj]];
            if (va < level === vb < level) return;
            const t = (level - va) / (vb - va);
            crossings.push([
              left + ((ai + t * (bi - ai)) / cells) * (right - left),
              bottom - ((aj + t * (bj - aj)) / cells) * (bottom - top),
            ]);
          });
          // Two crossings: one segment; four (a saddle): two, paired in order round the cell.
          for (let c = 0; c + 1 < crossings.length; c += 2) {
            g.moveTo(...crossings[c]);
            g.lineTo(...crossings[c + 1]);
            segments++;
          }
        }
      }
      g.stroke();
    }
  }
  for (const p of points) {
    g.fillStyle = colour(goodness(p.v));
    g.strokeStyle = '#1d2430';
    g.beginPath();
    g.arc(left + p.x * (right - left), bottom - p.y * (bottom - top), 3, 0, 2 * Math.PI);
    g.fill();
    g.stroke();
  }
  const ticks = [];
  const tick = (axis, text, x, y, align) => {
    g.fillStyle = '#1d2430';
    g.textAlign = align;
    g.fillText(text, x, y);
    ticks.push({ axis, text, x, y });
  };
  g.font = '11px system-ui';
  tick(px.name, `${format(px.low)}${px.log ? ' (log)' : ''}`, left, bottom + 14, 'left');
  tick(px.name, format(px.high), right, bottom + 14, 'right');
  tick(px.name, px.name, (left + right) / 2, bottom + 28, 'center');
  tick(py.name, format(py.high), left - 4, top + 10, 'right');
  tick(py.name, `${format(py.low)}${py.log ? ' (log)' : ''}`, left - 4, bottom, 'right');
  g.save();
  g.translate(12, (top + bottom) / 2);
  g.rotate(-Math.PI / 2);
  g.textAlign = 'center';
  g.fillText(py.name, 0, 0);
  g.restore();
  ticks.push({ axis: py.name, text: py.name, x: 12, y: (top + bottom) / 2 });
  canvas.dataset.points = String(points.length);
  canvas.dataset.ticks = JSON.stringify(ticks);
  canvas.dataset.levels = JSON.stringify(levels);
  canvas.dataset.segments = String(segments);
}

/**
 * Range filters on the parallel coordinates, as optuna-dashboard has them: drag along an axis to
 * keep the trials whose value there lies in the range (the others fade), drag again to change it,
 * double-click the axis to clear it. `redraw` draws the chart again with `canvas.filters`.
 */
export function brushParallel(canvas, redraw) {
  canvas.filters = new Map();
  let drag = null;
  const at = (e) => {
    const box = canvas.getBoundingClientRect();
    return { x: e.clientX - box.left, y: e.clientY - box.top };
  };
  const axisAt = (x) => {
    const xs = canvas.axisGeometry?.xs ?? [];
    const i = xs.findIndex((ax) => Math.abs(ax - x) <= 10);
    return i < 0 ? null : i;
  };
  const position = (y) => {
    const { top, bottom } = canvas.axisGeometry;
    return Math.min(1, Math.max(0, (bottom - y) / (bottom - top)));
  };
  canvas.addEventListener('mousedown', (e) => {
    const p = at(e);
    const axis = axisAt(p.x);
    if (axis !== null) drag = { axis, from: position(p.y) };
  });
  canvas.addEventListener('mousemove', (e) => {
    if (!drag) return;
    const to = position(at(e).y);
    canvas.filters.set(drag.axis, [Math.min(drag.from, to), Math.max(drag.from, to)]);
    redraw();
  });
  window.addEventListener('mouseup', () => {
    drag = null;
  });
  canvas.addEventListener('dblclick', (e) => {
    const axis = axisAt(at(e).x);
    if (axis !== null && canvas.filters.delete(axis)) redraw();
  });
}
