/**
 * How often PED-ANOVA (src/importance) names what matters, on a function whose important
 * dimensions are known: value = 10 (x1 - 0.2)^2 + 2 (x2 - 0.8)^2 of four uniform dimensions (x3
 * and x4 do not enter it), random configurations, 100 seeds; for campaign sizes of 20, 40 and
 * 100 trials and good-trial shares of a tenth (the paper's) and a quarter (lgt's). Prints how
 * often x1 came first and x3, x4 last.
 *
 *   npx tsx bench/importance.ts
 */
import { pedAnova } from '../src/importance/ped-anova.ts';
import { Rng } from '../src/random/rng.ts';

const rows: string[][] = [['trials', 'good share', 'x1 first', 'x3, x4 last']];
for (const n of [20, 40, 100]) {
  for (const quantile of [0.1, 0.25]) {
    let first = 0;
    let last = 0;
    for (let seed = 0; seed < 100; seed++) {
      const rng = new Rng(seed);
      const trials = Array.from({ length: n }, () => {
        const config = { x1: rng.next(), x2: rng.next(), x3: rng.next(), x4: rng.next() };
        return { config, value: 10 * (config.x1 - 0.2) ** 2 + 2 * (config.x2 - 0.8) ** 2 };
      });
      const names = pedAnova(trials, 'minimize', { quantile, minGood: 5 })!.importances.map(
        (i) => i.name,
      );
      if (names[0] === 'x1') first++;
      if (names.slice(2).sort().join() === 'x3,x4') last++;
    }
    rows.push([String(n), String(quantile), `${first}%`, `${last}%`]);
  }
}
const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
for (const r of rows) console.log(r.map((c, j) => c.padEnd(widths[j]!)).join('  '));
