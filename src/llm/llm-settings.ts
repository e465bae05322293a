import { z } from 'zod';
import type { AgentName } from './llm-client.ts';

const DecisionEndpointSchema = z.strictObject({
  baseUrl: z.url('must be a URL such as http://127.0.0.1:8001/v1'),
  model: z.string().min(1, 'must name the model served there'),
  /** The environment variable holding its key (a key is never written in this setting). */
  apiKeyEnv: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name')
    .optional(),
});
const ProxyTuningSchema = z.strictObject({
  expert: DecisionEndpointSchema,
  anti: DecisionEndpointSchema,
  alpha: z.number().min(0, 'must be >= 0 (0: the base model alone)').max(10).default(1),
});
/** LGT_PROXY_TUNING: per agent, the expert/anti-expert pair and alpha (see ProxyTunedLlmClient). */
const ProxyTuningSettingsSchema = z.partialRecord(
  z.enum(['advisor', 'evaluator', 'optimizer']),
  ProxyTuningSchema,
);
export type ProxyTuningSettings = z.infer<typeof ProxyTuningSettingsSchema>;

/**
 * Where the LLM is and how to talk to it, from the environment (never stored with a campaign:
 * the key stays on the machines that call the model).
 *   LGT_LLM_BASE_URL   an OpenAI-compatible endpoint (OpenAI, Azure, Ollama, vLLM, llama.cpp, ...)
 *   OPENAI_API_KEY     its key (local servers accept anything)
 *   LGT_LLM_MODEL      the model (default gpt-4o-mini); LGT_ADVISOR_MODEL, LGT_EVALUATOR_MODEL,
 *                      LGT_OPTIMIZER_MODEL override it per agent
 *   LGT_LLM_TEMPERATURE (default 0), LGT_LLM_TIMEOUT_MS (120000), LGT_LLM_MAX_RETRIES (3)
 *   LGT_LLM_CACHE      auto (cache replies at temperature 0, the default) | on | off
 *   LGT_LLM_PRICE      "input,output" USD per million tokens, for models the table does not know
 *   LGT_LLM_RATE_LIMIT calls per minute across all workers (default 60)
 *   LGT_LLM_MAX_REPLY_CHARS  longer replies are refused like malformed ones (default 20000)
 *   LGT_LLM_CACHE_TTL  seconds a cached reply is kept (default 604800, a week; 0 = no expiry)
 *   LGT_PROXY_TUNING   JSON, per agent: {"evaluator": {"expert": {"baseUrl", "model",
 *                      "apiKeyEnv"?}, "anti": {...}, "alpha": 1}}: proxy-tuned label decisions
 */
export interface LlmSettings {
  baseUrl: string;
  apiKey: string;
  models: Record<AgentName, string>;
  temperature: number;
  timeoutMs: number;
  maxRetries: number;
  cache: 'auto' | 'on' | 'off';
  price?: { input: number; output: number };
  ratePerMinute: number;
  maxReplyChars: number;
  cacheTtlSeconds: number;
  proxyTuning?: ProxyTuningSettings;
}

export const DEFAULT_MODEL = 'gpt-4o-mini';

/** The settings, or null when no LLM is configured (the rule-based agents then stand in). */
export function llmSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): LlmSettings | null {
  const baseUrl = env['LGT_LLM_BASE_URL'];
  const apiKey = env['OPENAI_API_KEY'];
  if (!baseUrl && !apiKey) return null;
  const model = env['LGT_LLM_MODEL'] || DEFAULT_MODEL;
  const number = (name: string, fallback: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0)
      throw new Error(`${name} must be a non-negative number, got "${raw}"`);
    return n;
  };
  const cache = env['LGT_LLM_CACHE'] || 'auto';
  if (cache !== 'auto' && cache !== 'on' && cache !== 'off') {
    throw new Error(`LGT_LLM_CACHE must be auto, on or off, got "${cache}"`);
  }
  const priceText = env['LGT_LLM_PRICE'];
  let price: LlmSettings['price'];
  if (priceText) {
    const [input, output] = priceText.split(',').map(Number);
    if (!Number.isFinite(input) || !Number.isFinite(output)) {
      throw new Error(
        `LGT_LLM_PRICE must be "input,output" in USD per million tokens, got "${priceText}"`,
      );
    }
    price = { input: input!, output: output! };
  }
  return {
    baseUrl: baseUrl || 'https://api.openai.com/v1',
    apiKey: apiKey || 'not-needed',
    models: {
      advisor: env['LGT_ADVISOR_MODEL'] || model,
      evaluator: env['LGT_EVALUATOR_MODEL'] || model,
      optimizer: env['LGT_OPTIMIZER_MODEL'] || model,
    },
    temperature: number('LGT_LLM_TEMPERATURE', 0),
    timeoutMs: number('LGT_LLM_TIMEOUT_MS', 120_000),
    maxRetries: number('LGT_LLM_MAX_RETRIES', 3),
    cache,
    ...(price ? { price } : {}),
    ratePerMinute: number('LGT_LLM_RATE_LIMIT', 60),
    maxReplyChars: number('LGT_LLM_MAX_REPLY_CHARS', 20_000),
    cacheTtlSeconds: number('LGT_LLM_CACHE_TTL', 7 * 24 * 3600),
    ...proxyTuningFromEnv(env),
  };
}

/** LGT_PROXY_TUNING, checked: each problem named by its path in the JSON. */
function proxyTuningFromEnv(env: NodeJS.ProcessEnv): { proxyTuning?: ProxyTuningSettings } {
  const text = env['LGT_PROXY_TUNING'];
  if (!text) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(
      'LGT_PROXY_TUNING must be JSON: {"evaluator": {"expert": {...}, "anti": {...}}}',
    );
  }
  const parsed = ProxyTuningSettingsSchema.safeParse(raw);
  if (!parsed.success)
    throw new Error(
      `LGT_PROXY_TUNING is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(setting)'}: ${i.message}`).join('; ')}`,
    );
  return { proxyTuning: parsed.data };
}
