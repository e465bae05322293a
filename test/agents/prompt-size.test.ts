import { describe, expect, it } from 'vitest';
import type { TrialState } from '../../src/contracts/trial-record.ts';
import { Rng } from '../../src/random/rng.ts';
import { sampleConfig } from '../../src/strategies/config-sampling.ts';
import type { EpochRecord } from '../../src/trainer/trainer.ts';
import wineQuality from '../../tasks/wine-quality.ts';
import type { TrialView } from '../../agents/campaign-digest.ts';
import { advisorValues } from '../../agents/llm-agents.ts';
import { promptFile, renderTemplate } from '../../agents/prompt-templates.ts';

/**
 * The Advisor's prompt does not grow with the campaign: at 10,000 trials (a third pruned, some
 * failed, every one with a 20-epoch curve) it is about as long as at 100.
 */
function history(n: number): TrialView[] {
  const rng = new Rng(3);
  return Array.from({ length: n }, (_, i): TrialView => {
    const roll = rng.next();
    const state: TrialState = roll < 0.3 ? 'pruned' : roll < 0.35 ? 'failed' : 'completed';
    const curve: EpochRecord[] = Array.from({ length: 20 }, (_, e) => ({
      epoch: e + 1,
      loss: 1 / (e + 1),
      validationLoss: 1 / (e + 1),
      validationMetric: 0.5 + rng.next() * 0.3,
      learningRate: 1e-3,
      seconds: 0.1,
      samplesPerSecond: 1000,
    }));
    return {
      number: i + 1,
      state,
      config: sampleConfig(wineQuality.space, rng),
      reason: 'random sample',
      source: 'random',
      proposedAt: 0,
      attempts: 1,
      curve,
      ...(state === 'failed'
        ? { value: null, error: 'the loss became NaN at epoch 3 (diverged)' }
        : { value: 0.5 + rng.next() * 0.3 }),
    };
  });
}

async function advisorPrompt(trials: TrialView[]): Promise<string> {
  return renderTemplate(
    promptFile('advisor'),
    advisorValues({
      task: wineQuality,
      trials,
      feedback: null,
      lessons: [],
      count: 4,
      budget: 'trial N of 10,000',
      template: promptFile('advisor'),
    }),
  );
}

describe('agent prompts at length', () => {
  it("the Advisor's prompt at 10,000 trials is within 10% of its size at 100", async () => {
    const short = await advisorPrompt(history(100));
    const long = await advisorPrompt(history(10_000));
    expect(long).toMatch(/10000 trials so far/);
    expect(long).toMatch(/Failed or pruned earlier \(the latest 8 of \d{4}\):/);
    expect(long.length).toBeLessThan(short.length * 1.1);
  });

  it('tells the Advisor what mattered so far, once there are 10 finished trials', async () => {
    // The score depends on the learning rate alone (best near 0.01): it should lead the line.
    const trials = history(80).map((t) => ({
      ...t,
      state: 'completed' as const,
      value: Math.abs(Math.log10(t.config['learningRate'] as number) + 2),
    }));
    const prompt = await advisorPrompt(trials);
    expect(prompt).toMatch(
      /What mattered so far \(where the best 20 of 80 trials differ most from the rest, shares of 1\): learningRate 0\.\d+, /,
    );
    expect(await advisorPrompt(trials.slice(0, 9))).not.toContain('What mattered so far');
  });
});
