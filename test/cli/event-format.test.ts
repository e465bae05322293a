import { describe, expect, it } from 'vitest';
import { formatEvent } from '../../src/cli/event-format.ts';
import type { LoggedEvent } from '../../src/contracts/campaign-events.ts';

const at = new Date(2026, 11, 7, 13, 45, 9).getTime();

describe('the live log', () => {
  it('says what auto chose, and where it hands over, with the reason', () => {
    const chose = formatEvent(
      {
        type: 'strategy.chosen',
        strategy: 'gp',
        reason: 'mostly numeric',
        id: '1-0',
        at,
      } as LoggedEvent,
      'value',
    );
    expect(chose).toContain('13:45:09 auto chose gp: mostly numeric');
    const handed = formatEvent(
      {
        type: 'strategy.chosen',
        strategy: 'cmaes',
        reason: "the GP's window is full",
        fromTrial: 251,
        id: '2-0',
        at,
      } as LoggedEvent,
      'value',
    );
    expect(handed).toMatch(
      /13:45:09 auto hands over to cmaes from .*251.*: the GP's window is full/,
    );
  });
});
