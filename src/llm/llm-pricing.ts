import type { LlmUsage } from './llm-client.ts';

/** USD per million tokens (input, output) of common models; LGT_LLM_PRICE covers the others. */
const PRICES: [RegExp, number, number][] = [
  [/^gpt-4o-mini/, 0.15, 0.6],
  [/^gpt-4o/, 2.5, 10],
  [/^gpt-4\.1-nano/, 0.1, 0.4],
  [/^gpt-4\.1-mini/, 0.4, 1.6],
  [/^gpt-4\.1/, 2, 8],
  [/^o4-mini/, 1.1, 4.4],
  [/^o3-mini/, 1.1, 4.4],
];

export function costOf(
  model: string,
  usage: LlmUsage,
  override?: { input: number; output: number },
): number {
  const known = PRICES.find(([pattern]) => pattern.test(model));
  const input = override?.input ?? known?.[1] ?? 0;
  const output = override?.output ?? known?.[2] ?? 0;
  return (usage.promptTokens * input + usage.completionTokens * output) / 1_000_000;
}
