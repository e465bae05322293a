import type { Queue } from 'bullmq';
import type { AgentName, ChatMessage, LlmClient, LlmRequest, LlmResult } from './llm-client.ts';

/** An `agents` job: one LLM call with the name of the schema its reply must fit. */
export interface AgentJobData {
  campaignId: string;
  agent: AgentName;
  model: string;
  schemaName: string;
  messages: ChatMessage[];
  temperature?: number;
  seed?: number;
}

/** How long a driver waits for an agents worker before it gives up on a call. */
const WAIT_LIMIT_MS = Number(process.env['LGT_AGENT_WAIT_MS'] ?? 10 * 60_000);

/**
 * An LlmClient for the campaign driver: each call becomes a job on the `agents` queue, where a
 * worker with the LLM settings (and the key) makes it under a global rate limit.
 */
export class QueuedLlmClient implements LlmClient {
  constructor(
    private readonly queue: Queue,
    private readonly campaignId: string,
    private readonly models: Record<AgentName, string>,
  ) {}

  readonly model = (agent: AgentName): string => this.models[agent];

  async complete<T>(request: LlmRequest<T>): Promise<LlmResult<T>> {
    const data: AgentJobData = {
      campaignId: this.campaignId,
      agent: request.agent,
      model: request.model ?? this.model(request.agent),
      schemaName: request.schemaName,
      messages: request.messages,
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.seed !== undefined ? { seed: request.seed } : {}),
    };
    const job = await this.queue.add(request.agent, data);
    const deadline = Date.now() + WAIT_LIMIT_MS;
    for (;;) {
      // The state first, then the job: read the other way round, a job that finishes in between
      // would look completed without its return value.
      const state = await this.queue.getJobState(job.id!);
      const current =
        state === 'completed' || state === 'failed' ? await this.queue.getJob(job.id!) : null;
      if (state === 'completed') {
        const result = current!.returnvalue as LlmResult<unknown>;
        return { ...result, value: request.schema.parse(result.value) };
      }
      if (state === 'failed')
        throw new Error(current!.failedReason || `the ${request.agent} call failed`);
      if (state === 'unknown')
        throw new Error(`the ${request.agent} job disappeared from the agents queue`);
      if (Date.now() > deadline) {
        throw new Error(
          `no agents worker answered the ${request.agent} call within ${WAIT_LIMIT_MS / 1000} s (is a worker serving the agents queue, with the LLM settings?)`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
