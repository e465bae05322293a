// How a chart's value axis is chosen, apart from the drawing (no imports: the tests run it in
// Node as the page runs it in the browser).

/**
 * The value range of the metric-by-trial chart: all the values, unless a few far-off bad ones
 * (an untuned baseline at MAE 2.8 beside good trials at 0.45) would flatten the rest onto one
 * line. Then the bad side stops at 3 interquartile ranges beyond the quartile (Tukey's far-out
 * fence) and the values beyond it are drawn at the edge, counted as clipped. The good side is
 * never clipped: the best trials are what the chart is for.
 */
export function clippedRange(values, direction) {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return { min: 0, max: 1, clipped: 0 };
  const low = finite[0];
  const high = finite[finite.length - 1];
  const q = (p) => finite[Math.min(finite.length - 1, Math.floor(p * (finite.length - 1)))];
  const iqr = q(0.75) - q(0.25);
  if (finite.length < 8 || iqr <= 0) return padded(low, high, 0);
  if (direction === 'maximize') {
    const fence = q(0.25) - 3 * iqr;
    const clipped = finite.filter((v) => v < fence).length;
    return padded(clipped ? fence : low, high, clipped);
  }
  const fence = q(0.75) + 3 * iqr;
  const clipped = finite.filter((v) => v > fence).length;
  return padded(low, clipped ? fence : high, clipped);
}

function padded(min, max, clipped) {
  const pad = max > min ? 0.04 * (max - min) : Math.abs(max) * 0.05 || 1;
  return { min: min - pad, max: max + pad, clipped };
}
