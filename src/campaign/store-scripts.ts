import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../env/package-root.ts';

// The scripts are read from the sources (the build does not copy them): src/ ships with lgt.
const LUA_DIR = path.join(PACKAGE_ROOT, 'src/campaign/lua');

const read = (name: string) => readFileSync(path.join(LUA_DIR, `${name}.lua`), 'utf8');

/** A fenced script: the fence check first, then the shared trackTrial, then its own body. */
const fenced = (name: string) => [read('fence-check'), read('track-trial'), read(name)].join('\n');

/**
 * The campaign store's Lua scripts, read once when the store is first loaded, with their key
 * counts, as ioredis's defineCommand takes them (each becomes a command on the connection).
 */
export const STORE_SCRIPTS = {
  lgtCas: { numberOfKeys: 6, lua: fenced('compare-and-set') },
  lgtAddTrial: { numberOfKeys: 7, lua: fenced('add-trial') },
  lgtAddEvent: { numberOfKeys: 2, lua: fenced('add-event') },
  lgtAppendEpoch: { numberOfKeys: 2, lua: read('append-epoch') },
  lgtCreateCampaign: { numberOfKeys: 2, lua: read('create-campaign') },
} as const;
