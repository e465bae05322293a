/**
 * How lgt writes a metric, a loss or a gain for people and for the agents: about four
 * significant digits, exponents for the very small and very large. One function, so the live
 * log, the summary, the report's verdicts and the agents' prompts say the same number the same way.
 */
export function formatNumber(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '-';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return value.toExponential(2);
  if (abs >= 1000) return value.toLocaleString('en-US', { maximumFractionDigits: 1 });
  return Number(value.toPrecision(digits)).toString();
}
