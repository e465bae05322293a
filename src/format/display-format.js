// How lgt writes numbers and times for people: the command line, the reports, the agents'
// prompts and the dashboard's pages all import this one module. It is plain JavaScript (types in
// JSDoc) because the browser loads it as it is: the server sends this file to the page
// (src/server/dashboard-routes.ts), while the TypeScript sources import it like any other.
// It imports nothing, and must not: the browser has no node_modules.

/**
 * A metric, a loss or a gain: about four significant digits, exponents for the very small and
 * very large, thousands separated (54,084.4). One function, so the live log, the summary, the
 * report's verdicts, the agents' prompts and the dashboard say the same number the same way.
 * What is not a number (a label on a chart axis) is written as it is.
 * @param {unknown} value
 * @param {number} [digits]
 * @returns {string}
 */
export function formatNumber(value, digits = 4) {
  if (value === null || value === undefined || Number.isNaN(value)) return '-';
  if (typeof value !== 'number') return String(value);
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return value.toExponential(2);
  if (abs >= 1000) return value.toLocaleString('en-US', { maximumFractionDigits: 1 });
  return Number(value.toPrecision(digits)).toString();
}

/**
 * The local time of day, 24-hour (12:03:09), whatever the browser's or the terminal's locale.
 * @param {number} at milliseconds since the epoch
 * @returns {string}
 */
export function formatClock(at) {
  return new Date(at).toTimeString().slice(0, 8);
}

/**
 * How a campaign tunes, in a few words: its strategy (a hybrid with its core and the Advisor's
 * share, lgt with its candidates), or its in-run mode. The live log, `lgt status`, `lgt list`
 * and the dashboard's pages all say it so.
 * @param {{ mode: string, strategy: string, core?: string, llmShare?: number, llmWarmup?: number, candidates?: string }} request
 * @returns {string}
 */
export function describeTuning(request) {
  if (request.mode !== 'search') return `${request.mode} mode`;
  if (request.strategy === 'hybrid')
    return `hybrid (${request.core} in control, the Advisor on ${Math.round(100 * (request.llmShare ?? 0))}% of the trials after ${request.llmWarmup})`;
  if (request.strategy === 'lgt' && request.candidates)
    return `lgt with ${request.candidates} candidates`;
  return request.strategy;
}

/**
 * A hybrid's share of Advisor trials after the warm-up, realized and asked: "9 of 30 (30%;
 * asked 30%)", as `lgt status` and the dashboard say it.
 * @param {{ overridden: number, eligible: number, share: number }} share
 * @returns {string}
 */
export function describeHybridShare(share) {
  const realized =
    share.eligible > 0 ? `${Math.round((100 * share.overridden) / share.eligible)}%` : '-';
  return `${share.overridden} of ${share.eligible} (${realized}; asked ${Math.round(100 * share.share)}%)`;
}
