import type { Config } from './search-space.ts';

/** "field=value" pairs of a configuration, numbers to 3 significant digits (logs and prompts). */
export function formatConfig(config: Config, separator = ' '): string {
  return Object.entries(config)
    .map(
      ([k, v]) =>
        `${k}=${typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(3)) : String(v)}`,
    )
    .join(separator);
}
