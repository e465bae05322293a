import {
  describeConstraint,
  describeObjective,
  type TradeOffReport,
} from '../contracts/trade-off.ts';
import { formatNumber } from '../format/display-format.js';
import { paint, table } from './terminal.ts';

/** Front members shown in a terminal; the report and the API have all of them. */
const SHOWN = 12;

/**
 * A trade-off as `lgt status` and `lgt run`'s summary print it: the objectives, how many trials
 * were feasible, the front as a table (best first in the first objective, the pick marked), the hypervolume and its reference, and
 * the pick's rule and reason.
 */
export function tradeOffLines(
  t: TradeOffReport,
  stream: NodeJS.WriteStream = process.stdout,
): string[] {
  const lines = [
    `trade-off: ${t.objectives.map(describeObjective).join(', ')}${t.constraints.length ? `; constraints ${t.constraints.map(describeConstraint).join(', ')}` : ''} · ${t.counts.feasible} feasible, ${t.counts.infeasible} infeasible, ${t.counts.incomplete} without every objective`,
  ];
  if (!t.front.length) return [...lines, 'front: no feasible trial with every objective yet'];
  const pick = t.pick.member?.trial;
  // Best first in the first objective, so the table reads along the trade-off.
  const sign = t.objectives[0]!.direction === 'maximize' ? -1 : 1;
  const rows = [...t.front]
    .sort((a, b) => sign * (a.values[0]! - b.values[0]!))
    .slice(0, SHOWN)
    .map((m) => [
      `#${m.trial}`,
      ...m.values.map((v) => formatNumber(v)),
      m.trial === pick
        ? paint('green', 'pick', stream)
        : m.trial === t.default?.trial
          ? 'default'
          : '',
    ]);
  lines.push(
    `front (${t.front.length} trial${t.front.length === 1 ? '' : 's'}${t.front.length > SHOWN ? `, first ${SHOWN} shown` : ''}):`,
    table([['trial', ...t.objectives.map((o) => o.metric), ''], ...rows], stream),
  );
  if (t.hypervolume !== null && t.reference)
    lines.push(
      `hypervolume ${formatNumber(t.hypervolume)} against [${t.reference.values.map((v) => formatNumber(v)).join(', ')}] (${t.reference.rule})`,
    );
  if (t.default && !t.default.onFront)
    lines.push(
      `the default (#${t.default.trial}: ${t.default.values.map((v) => formatNumber(v)).join(', ')}) is ${t.default.feasible ? 'dominated by the front' : 'infeasible'}`,
    );
  lines.push(
    `pick (${t.pick.rule}): ${t.pick.member ? `#${t.pick.member.trial}` : 'none'}, ${t.pick.reason}`,
  );
  return lines;
}
