import { readFile } from 'node:fs/promises';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import {
  describeHybridShare,
  describeTuning,
  formatClock,
  formatNumber,
} from '../../src/format/display-format.js';
import { registerDashboardRoutes } from '../../src/server/dashboard-routes.ts';

describe('the page and the command line write numbers and times with one module', () => {
  it('the page is sent the very file the command line imports', async () => {
    const app = Fastify();
    registerDashboardRoutes(app);
    try {
      const sent = await app.inject({ url: '/dashboard/format.js' });
      expect(sent.statusCode).toBe(200);
      expect(sent.headers['content-type']).toMatch(/^text\/javascript/);
      const source = await readFile(new URL('../../src/format/display-format.js', import.meta.url));
      expect(sent.body).toBe(source.toString('utf8'));
      // The browser has no node_modules: the module must stand alone.
      expect(sent.body).not.toMatch(/^\s*import\s/m);
    } finally {
      await app.close();
    }
  });

  it('writes numbers as the issue asked (54,084.4, not 5.21e+4) and labels as they are', () => {
    expect(formatNumber(54084.4)).toBe('54,084.4');
    expect(formatNumber(-123456.78)).toBe('-123,456.8');
    expect(formatNumber(0.123456)).toBe('0.1235');
    expect(formatNumber(1e-7)).toBe('1.00e-7');
    expect(formatNumber(3.2e9)).toBe('3.20e+9');
    expect(formatNumber(Number.NEGATIVE_INFINITY)).toBe('-inf');
    expect(formatNumber(NaN)).toBe('-');
    expect(formatNumber(null)).toBe('-');
    expect(formatNumber('relu')).toBe('relu');
  });

  it("says how a campaign tunes and a hybrid's share in the same words everywhere", () => {
    const search = { mode: 'search', strategy: 'tpe' };
    expect(describeTuning(search)).toBe('tpe');
    expect(describeTuning({ ...search, strategy: 'lgt', candidates: 'gp' })).toBe(
      'lgt with gp candidates',
    );
    expect(
      describeTuning({
        ...search,
        strategy: 'hybrid',
        core: 'cmaes',
        llmShare: 0.3,
        llmWarmup: 10,
      }),
    ).toBe('hybrid (cmaes in control, the Advisor on 30% of the trials after 10)');
    expect(describeTuning({ mode: 'pbt', strategy: 'random' })).toBe('pbt mode');
    expect(describeHybridShare({ overridden: 9, eligible: 30, share: 0.3 })).toBe(
      '9 of 30 (30%; asked 30%)',
    );
    expect(describeHybridShare({ overridden: 0, eligible: 0, share: 0.5 })).toBe(
      '0 of 0 (-; asked 50%)',
    );
  });

  it('writes the time of day on a 24-hour clock', () => {
    const at = new Date(2026, 11, 7, 13, 45, 9).getTime();
    expect(formatClock(at)).toBe('13:45:09');
    expect(formatClock(new Date(2026, 11, 7, 0, 5, 0).getTime())).toBe('00:05:00');
  });
});
