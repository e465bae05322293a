import { Resvg } from '@resvg/resvg-js';

export interface Series {
  name: string;
  /** Per trial: mean and standard deviation of the best value so far over the seeds. */
  mean: number[];
  std: number[];
}

const COLOURS = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
];

/**
 * Best-so-far against trials, one line per strategy with a band of one standard deviation,
 * drawn as SVG and rendered to PNG.
 */
export function bestSoFarChart(title: string, yLabel: string, series: Series[]): Buffer {
  const width = 900;
  const height = 520;
  const m = { left: 80, right: 170, top: 50, bottom: 60 };
  const w = width - m.left - m.right;
  const h = height - m.top - m.bottom;
  const trials = Math.max(...series.map((s) => s.mean.length));
  // The first few trials of a search are often far off (a random configuration can be ten times
  // worse than a sensible one) and would flatten the part worth seeing: the scale fits the values
  // from the tenth of the budget on, and the lines are clipped to the plot.
  const from = Math.floor(trials / 10);
  const values = series
    .flatMap((s) => s.mean.flatMap((v, i) => (i < from ? [] : [v - s.std[i]!, v + s.std[i]!])))
    .filter(Number.isFinite);
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (hi === lo) [lo, hi] = [lo - 1, hi + 1];
  const pad = (hi - lo) * 0.05;
  lo -= pad;
  hi += pad;
  const x = (i: number) => m.left + (trials <= 1 ? 0 : (i / (trials - 1)) * w);
  const y = (v: number) => m.top + (1 - (v - lo) / (hi - lo)) * h;
  const parts: string[] = [
    `<defs><clipPath id="plot"><rect x="${m.left}" y="${m.top}" width="${w}" height="${h}"/></clipPath></defs>`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="28" font-size="18" text-anchor="middle" font-family="DejaVu Sans">${escape(title)}</text>`,
    `<line x1="${m.left}" y1="${m.top + h}" x2="${m.left + w}" y2="${m.top + h}" stroke="black"/>`,
    `<line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${m.top + h}" stroke="black"/>`,
    `<text x="${m.left + w / 2}" y="${height - 15}" font-size="14" text-anchor="middle" font-family="DejaVu Sans">trials</text>`,
    `<text x="20" y="${m.top + h / 2}" font-size="14" text-anchor="middle" font-family="DejaVu Sans" transform="rotate(-90 20 ${m.top + h / 2})">${escape(yLabel)}</text>`,
  ];
  for (let k = 0; k <= 5; k++) {
    const v = lo + ((hi - lo) * k) / 5;
    parts.push(
      `<line x1="${m.left - 5}" y1="${y(v)}" x2="${m.left + w}" y2="${y(v)}" stroke="#eee"/>`,
      `<text x="${m.left - 8}" y="${y(v) + 4}" font-size="11" text-anchor="end" font-family="DejaVu Sans">${Number(v.toPrecision(3))}</text>`,
    );
  }
  for (let t = 0; t < trials; t += Math.max(1, Math.round(trials / 10))) {
    parts.push(
      `<text x="${x(t)}" y="${m.top + h + 18}" font-size="11" text-anchor="middle" font-family="DejaVu Sans">${t + 1}</text>`,
    );
  }
  series.forEach((s, k) => {
    const colour = COLOURS[k % COLOURS.length]!;
    const upper = s.mean.map((v, i) => `${x(i)},${y(v + s.std[i]!)}`);
    const lower = s.mean.map((v, i) => `${x(i)},${y(v - s.std[i]!)}`).reverse();
    parts.push(
      `<polygon clip-path="url(#plot)" points="${[...upper, ...lower].join(' ')}" fill="${colour}" fill-opacity="0.12" stroke="none"/>`,
      `<polyline clip-path="url(#plot)" points="${s.mean.map((v, i) => `${x(i)},${y(v)}`).join(' ')}" fill="none" stroke="${colour}" stroke-width="2"/>`,
      `<line x1="${width - m.right + 15}" y1="${m.top + 10 + k * 22}" x2="${width - m.right + 40}" y2="${m.top + 10 + k * 22}" stroke="${colour}" stroke-width="3"/>`,
      `<text x="${width - m.right + 46}" y="${m.top + 14 + k * 22}" font-size="13" font-family="DejaVu Sans">${escape(s.name)}</text>`,
    );
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
  return Buffer.from(new Resvg(svg, { font: { loadSystemFonts: true } }).render().asPng());
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
