import { describe, expect, it } from 'vitest';
import { formatNumber } from '../../src/format/format-number.ts';
import { clockOf } from '../../src/cli/event-format.ts';
// The page's copy of the rules, run here as the browser runs it.
// @ts-expect-error plain JavaScript without declarations
import * as page from '../../src/server/dashboard/format.js';

const pageFormat = page as {
  formatNumber: (v: unknown) => string;
  formatClock: (at: number) => string;
};

describe('the page writes numbers and times as the command line does', () => {
  it('the same text for every kind of number', () => {
    const values = [
      0,
      1,
      -1,
      0.5,
      0.123456,
      0.0009876,
      1e-7,
      12.3456,
      999.95,
      1000,
      54084.4,
      54084.44,
      -123456.78,
      999999,
      1e6,
      3.2e9,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      NaN,
    ];
    for (const v of [...values, ...values.map((x) => x * 7.31)])
      expect(pageFormat.formatNumber(v), String(v)).toBe(formatNumber(v));
    expect(pageFormat.formatNumber(null)).toBe(formatNumber(null));
    // What the issue saw: the list showed 5.21e+4 where the command line shows 54,084.4.
    expect(pageFormat.formatNumber(54084.4)).toBe('54,084.4');
  });

  it('the same 24-hour clock as the live log', () => {
    for (const at of [Date.UTC(2026, 11, 7, 0, 5, 9), Date.UTC(2026, 11, 7, 13, 45, 0)])
      expect(pageFormat.formatClock(at)).toBe(clockOf(at));
    expect(pageFormat.formatClock(Date.UTC(2026, 11, 7, 13, 45, 0))).toMatch(/^\d\d:\d\d:\d\d$/);
  });
});
