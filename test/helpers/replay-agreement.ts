import { expect } from 'vitest';
import type { TrialRecord } from '../../src/contracts/trial-record.ts';
import type { Config } from '../../src/search-space/search-space.ts';
import type { SnapshotContext } from '../../src/strategies/replay-snapshots.ts';
import { configKey } from '../../src/strategies/config-sampling.ts';
import type { Proposal, Strategy } from '../../src/strategies/strategy.ts';
import { stateBox } from './state-box.ts';

/**
 * Runs a long synthetic campaign with one instance of a replaying strategy (the driver, which
 * keeps its replay in memory and writes snapshots), and every so often asks two new instances
 * for the same proposals: one that starts from the stored snapshot (a driver that takes over)
 * and one with no snapshot (a full replay). All three must agree every time.
 */
export async function replayAgreement(
  make: (context: SnapshotContext) => Strategy,
  objective: (config: Config) => number,
  options: { trials: number; batch: number; compareEvery: number },
): Promise<{ history: TrialRecord[]; compared: number; box: ReturnType<typeof stateBox> }> {
  const box = stateBox();
  const driver = make(box.context);
  const history: TrialRecord[] = [];
  const keys = (ps: Proposal[]) => ps.map((p) => configKey(p.config));
  let compared = 0;
  let next = options.compareEvery;
  while (history.length < options.trials) {
    const proposals = await driver.propose(history, options.batch);
    expect(proposals.length).toBeGreaterThan(0);
    if (history.length >= next) {
      next += options.compareEvery;
      compared += 1;
      const readOnly: SnapshotContext = {
        getState: box.context.getState,
        updateState: () => Promise.resolve(null),
      };
      expect(keys(await make(readOnly).propose(history, options.batch))).toEqual(keys(proposals));
      expect(keys(await make(stateBox().context).propose(history, options.batch))).toEqual(
        keys(proposals),
      );
    }
    for (const p of proposals)
      history.push({
        number: history.length + 1,
        state: 'completed',
        config: p.config,
        reason: p.reason,
        source: 'test',
        proposedAt: 0,
        attempts: 1,
        value: objective(p.config),
        ...(p.meta ? { meta: p.meta } : {}),
      });
  }
  return { history, compared, box };
}
