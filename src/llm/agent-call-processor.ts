import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { AGENT_SCHEMAS, type AgentSchemaName } from '../../agents/agent-schemas.ts';
import { CachedLlmClient } from './cached-llm-client.ts';
import type { LlmClient, LlmResult } from './llm-client.ts';
import { llmSettingsFromEnv } from './llm-settings.ts';
import { OpenAiLlmClient } from './openai-llm-client.ts';
import type { AgentJobData } from './queued-llm-client.ts';
import { queuePrefix } from '../queue/lgt-queues.ts';

/**
 * Makes the LLM calls of the `agents` queue with this process's settings (LGT_LLM_BASE_URL,
 * OPENAI_API_KEY, ...), through the response cache.
 */
export function agentCallProcessor(
  redis: Redis,
): (job: Job<AgentJobData>) => Promise<LlmResult<unknown>> {
  let client: LlmClient | null = null;
  return async (job) => {
    if (!client) {
      const settings = llmSettingsFromEnv();
      if (!settings)
        throw new Error(
          'this worker has no LLM settings (LGT_LLM_BASE_URL / OPENAI_API_KEY): it cannot serve the agents queue',
        );
      client = new CachedLlmClient(
        new OpenAiLlmClient(settings),
        redis,
        settings.cache,
        settings.temperature,
        queuePrefix(),
      );
    }
    const schema = AGENT_SCHEMAS[job.data.schemaName as AgentSchemaName];
    if (!schema) throw new Error(`unknown reply schema ${job.data.schemaName}`);
    return client.complete({
      agent: job.data.agent,
      model: job.data.model,
      messages: job.data.messages,
      schema: schema as never,
      schemaName: job.data.schemaName,
      ...(job.data.temperature !== undefined ? { temperature: job.data.temperature } : {}),
      ...(job.data.seed !== undefined ? { seed: job.data.seed } : {}),
    });
  };
}
