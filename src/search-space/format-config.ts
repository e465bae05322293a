import type { ChoiceValue } from './param.ts';
import type { Config } from './search-space.ts';

/** One value of a configuration as logs and prompts show it: fractions to 3 significant digits. */
export function formatParamValue(v: ChoiceValue | undefined): string {
  if (v === undefined) return '-';
  return typeof v === 'number' && !Number.isInteger(v)
    ? String(Number(v.toPrecision(3)))
    : String(v);
}

/** "field=value" pairs of a configuration, numbers to 3 significant digits (logs and prompts). */
export function formatConfig(config: Config, separator = ' '): string {
  return Object.entries(config)
    .map(([k, v]) => `${k}=${formatParamValue(v)}`)
    .join(separator);
}
