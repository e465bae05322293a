import { InvalidArgumentError, type Command } from 'commander';
import { openCampaignContext, type CampaignContext } from '../campaign/campaign-context.ts';
import { paint } from './terminal.ts';

export function addRedisOption(command: Command): Command {
  return command.option(
    '--redis-url <url>',
    `Redis to use (default REDIS_URL, else redis://127.0.0.1:6379; a Redis Cluster: redis-cluster://host:port of one node)`,
  );
}

/**
 * The campaign context of a command: its --redis-url, and what was decided about Redis said on
 * standard error (standard output stays the command's own).
 */
export function openCommandContext(opts: {
  redisUrl?: string;
  allowEmbedded?: boolean;
}): Promise<CampaignContext> {
  return openCampaignContext({
    ...opts,
    say: (m) => process.stderr.write(`${paint('yellow', m, process.stderr)}\n`),
  });
}

/** An option's parser: an integer of at least `min`, or an error naming the option. */
export function parseInteger(label: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) {
      throw new InvalidArgumentError(`${label} must be an integer >= ${min}, got "${value}"`);
    }
    return n;
  };
}

/** "90", "90s", "10m", "1h30m" -> seconds. */
export function parseDuration(value: string): number {
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)\s*(h|m|s)/g)];
  const consumed = parts.map((p) => p[0]).join('');
  if (parts.length === 0 || consumed.replace(/\s/g, '') !== text.replace(/\s/g, '')) {
    throw new InvalidArgumentError(`a duration such as 90s, 10m or 1h30m, got "${value}"`);
  }
  return parts.reduce(
    (s, p) => s + Number(p[1]) * { h: 3600, m: 60, s: 1 }[p[2] as 'h' | 'm' | 's'],
    0,
  );
}
