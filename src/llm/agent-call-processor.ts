import type { Job } from 'bullmq';
import type { RedisClient } from '../queue/redis-connection.ts';
import type { z } from 'zod';
import { createLlmClient } from './create-llm-client.ts';
import type { LlmClient, LlmResult } from './llm-client.ts';
import type { LabelDecision } from './label-decision.ts';
import { llmSettingsFromEnv } from './llm-settings.ts';
import { AgentJobDataSchema, type AgentJobData } from './queued-llm-client.ts';
import { queuePrefix } from '../queue/lgt-queues.ts';

/**
 * Makes the LLM calls of the `agents` queue with this process's settings (LGT_LLM_BASE_URL,
 * OPENAI_API_KEY, ...), through the response cache. A job names its reply schema; the schemas
 * are handed in (the agents own them), so this layer knows no agent.
 */
export function agentCallProcessor(
  redis: RedisClient,
  schemas: Readonly<Record<string, z.ZodType>>,
): (job: Job<AgentJobData>) => Promise<LlmResult<unknown> | LabelDecision> {
  let client: LlmClient | null = null;
  return async (job) => {
    const checked = AgentJobDataSchema.safeParse(job.data);
    if (!checked.success)
      throw new Error(
        `agents job ${job.id} is not a valid lgt agent call: ${checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    const data: AgentJobData = checked.data;
    if (!client) {
      const settings = llmSettingsFromEnv();
      if (!settings)
        throw new Error(
          'this worker has no LLM settings (LGT_LLM_BASE_URL / OPENAI_API_KEY): it cannot serve the agents queue',
        );
      client = createLlmClient(settings, redis, queuePrefix());
    }
    // Nobody waits past the caller's deadline: the call (and its retries) ends there too.
    const left = data.deadline !== undefined ? data.deadline - Date.now() : undefined;
    if (left !== undefined && left <= 0)
      throw new Error('the caller stopped waiting for this call before it started');
    if (data.labels) {
      if (!client.decide) throw new Error("this worker's LLM client cannot make label decisions");
      return client.decide({
        ...(left !== undefined ? { signal: AbortSignal.timeout(left) } : {}),
        agent: data.agent,
        model: data.model,
        messages: data.messages,
        labels: data.labels,
      });
    }
    const schema = Object.hasOwn(schemas, data.schemaName) ? schemas[data.schemaName] : undefined;
    if (!schema) throw new Error(`unknown reply schema ${data.schemaName}`);
    return client.complete({
      ...(left !== undefined ? { signal: AbortSignal.timeout(left) } : {}),
      agent: data.agent,
      model: data.model,
      messages: data.messages,
      schema: schema as never,
      schemaName: data.schemaName,
      ...(data.temperature !== undefined ? { temperature: data.temperature } : {}),
      ...(data.seed !== undefined ? { seed: data.seed } : {}),
    });
  };
}
