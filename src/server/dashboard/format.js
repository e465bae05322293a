// How the page writes numbers and times: by the command line's rules (src/format/format-number.ts
// and the log's clock in src/cli/event-format.ts), so a figure reads the same in both. The page is
// not compiled, so this is a copy of those rules in plain JavaScript; a test runs both on the same
// values and fails when they part (test/server/page-format.test.ts).

/** About four significant digits, exponents for the very small and very large. */
export function formatNumber(value, digits = 4) {
  if (value === null || value === undefined || Number.isNaN(value)) return '-';
  if (typeof value !== 'number') return String(value);
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return value.toExponential(2);
  if (abs >= 1000) return value.toLocaleString('en-US', { maximumFractionDigits: 1 });
  return Number(value.toPrecision(digits)).toString();
}

/** The local time of day, 24-hour, as the live log writes it (12:03:09). */
export function formatClock(at) {
  return new Date(at).toTimeString().slice(0, 8);
}
