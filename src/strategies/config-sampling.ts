import type { Rng } from '../random/rng.ts';
import { intoRangeIn, type ChoiceValue, type ParamDef } from '../search-space/param.ts';
import type { Config, SearchSpace } from '../search-space/search-space.ts';

/** One value of a dimension drawn uniformly (on its log scale when it has one). */
function sampleParam(p: ParamDef, rng: Rng): ChoiceValue {
  switch (p.kind) {
    case 'choice':
      return p.choices[rng.int(p.choices.length)]!;
    case 'float':
      return p.log
        ? Math.exp(rng.uniform(Math.log(p.low), Math.log(p.high)))
        : rng.uniform(p.low, p.high);
    case 'int': {
      // Each integer gets the width of [k - 0.5, k + 0.5) on the (log) scale.
      const lo = p.low - 0.4999;
      const hi = p.high + 0.4999;
      const v = p.log
        ? Math.exp(rng.uniform(Math.log(Math.max(lo, 1e-9)), Math.log(hi)))
        : rng.uniform(lo, hi);
      return Math.min(p.high, Math.max(p.low, Math.round(v)));
    }
  }
}

/**
 * A configuration drawn uniformly from the space (inactive dimensions dropped). A dimension whose
 * range depends on a choice is drawn over its bounds and moved into the range of the choice
 * drawn (the same draws as without, so a seed's other values stay what they were).
 */
export function sampleConfig(space: SearchSpace, rng: Rng): Config {
  const raw: Config = {};
  for (const p of space.params) raw[p.name] = sampleParam(p, rng);
  for (const p of space.params)
    if (p.kind !== 'choice' && p.rangePer) raw[p.name] = intoRangeIn(p, raw[p.name] as number, raw);
  return space.parse(raw) as Config;
}

/**
 * Keys already worked out, by configuration object: strategies key every trial of the history at
 * every proposal, and a trial's config object stays the same while its record is unchanged (the
 * driver's TrialView keeps it), so a long campaign's history is keyed once, not once per round.
 * Configurations are never changed in place once made.
 */
const keys = new WeakMap<Config, string>();

/** Identical for configurations that train identically (key order and float noise ignored). */
export function configKey(config: Config): string {
  let key = keys.get(config);
  if (key === undefined) {
    key = keyOf(config);
    keys.set(config, key);
  }
  return key;
}

function keyOf(config: Config): string {
  return JSON.stringify(
    Object.keys(config)
      .sort()
      .map((k) => [
        k,
        typeof config[k] === 'number' ? Number((config[k] as number).toPrecision(12)) : config[k],
      ]),
  );
}
