import { describe, expect, it } from 'vitest';
import { beats } from '../../src/trials/campaign-best.ts';

describe("the campaign's best", () => {
  it('goes to the better value by the direction, and a tie to the earlier trial', () => {
    expect(beats({ trial: 5, value: 0.9 }, { trial: 2, value: 0.8 }, 'maximize')).toBe(true);
    expect(beats({ trial: 5, value: 0.9 }, { trial: 2, value: 0.8 }, 'minimize')).toBe(false);
    expect(beats({ trial: 5, value: 0.7 }, { trial: 2, value: 0.8 }, 'minimize')).toBe(true);
    // A tie: the earlier trial keeps it, whichever finished first.
    expect(beats({ trial: 1, value: 0.8 }, { trial: 4, value: 0.8 }, 'maximize')).toBe(true);
    expect(beats({ trial: 4, value: 0.8 }, { trial: 1, value: 0.8 }, 'maximize')).toBe(false);
    expect(beats({ trial: 4, value: 0.8 }, { trial: 1, value: 0.8 }, 'minimize')).toBe(false);
  });
});
