import type { Queue } from 'bullmq';
import { z } from 'zod';
import { millisecondsFromEnv } from '../env/milliseconds-from-env.ts';
import type { AgentName, ChatMessage, LlmClient, LlmRequest, LlmResult } from './llm-client.ts';
import type { LabelDecision, LabelDecisionRequest } from './label-decision.ts';

/** An `agents` job: one LLM call with the name of the schema its reply must fit. */
export interface AgentJobData {
  campaignId: string;
  agent: AgentName;
  model: string;
  schemaName: string;
  messages: ChatMessage[];
  temperature?: number;
  seed?: number;
  /** Epoch ms after which nobody waits for the answer: the worker gives up too. */
  deadline?: number;
  /** A label decision (see label-decision.ts) among these labels, instead of a reply. */
  labels?: string[];
}

/** An agents job as a worker accepts it: data from Redis, checked before any call is made. */
export const AgentJobDataSchema = z.object({
  campaignId: z.string().max(200),
  agent: z.enum(['advisor', 'evaluator', 'optimizer']),
  model: z.string().min(1).max(200),
  schemaName: z.string().max(100),
  messages: z
    .array(
      z.object({
        role: z.enum(['system', 'user', 'assistant']),
        content: z.string().max(200_000),
      }),
    )
    .min(1)
    .max(20),
  temperature: z.number().min(0).max(2).optional(),
  seed: z.number().int().optional(),
  deadline: z.number().optional(),
  labels: z.array(z.string().min(1).max(50)).min(2).max(26).optional(),
});

/**
 * The whole time an agent call may take, queue wait, rate limit and the endpoint's retries
 * included (LGT_AGENT_DEADLINE_MS). Past it the call ends in an error, and the strategy lets
 * the rule-based stand-in answer: a campaign never hangs on an absent worker or a dead endpoint.
 */
function agentDeadlineMs(env: NodeJS.ProcessEnv = process.env): number {
  return millisecondsFromEnv('LGT_AGENT_DEADLINE_MS', 180_000, env);
}

export interface QueuedLlmClientOptions {
  /** Told at once when a call will wait (no worker serves the agents queue), with what to do. */
  onWaiting?: (agent: AgentName, reason: string) => Promise<unknown>;
  deadlineMs?: number;
}

/**
 * An LlmClient for the campaign driver: each call becomes a job on the `agents` queue, where a
 * worker with the LLM settings (and the key) makes it under a global rate limit.
 */
export class QueuedLlmClient implements LlmClient {
  private readonly deadlineMs: number;

  constructor(
    private readonly queue: Queue,
    private readonly campaignId: string,
    private readonly models: Record<AgentName, string>,
    private readonly options: QueuedLlmClientOptions = {},
  ) {
    this.deadlineMs = options.deadlineMs ?? agentDeadlineMs();
  }

  readonly model = (agent: AgentName): string => this.models[agent];

  async complete<T>(request: LlmRequest<T>): Promise<LlmResult<T>> {
    const result = (await this.call({
      campaignId: this.campaignId,
      agent: request.agent,
      model: request.model ?? this.model(request.agent),
      schemaName: request.schemaName,
      messages: request.messages,
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.seed !== undefined ? { seed: request.seed } : {}),
    })) as LlmResult<unknown>;
    return { ...result, value: request.schema.parse(result.value) };
  }

  /** A label decision, made by an agents worker (where the endpoints and keys are). */
  async decide(request: LabelDecisionRequest): Promise<LabelDecision> {
    const decision = (await this.call({
      campaignId: this.campaignId,
      agent: request.agent,
      model: request.model ?? this.model(request.agent),
      schemaName: 'label_decision',
      messages: request.messages,
      labels: [...request.labels],
    })) as LabelDecision;
    if (!request.labels.includes(decision.label))
      throw new Error(`the ${request.agent} decision named no offered label`);
    return decision;
  }

  /** Adds the call's job and waits for its return value, within the agent deadline. */
  private async call(call: Omit<AgentJobData, 'deadline'>): Promise<unknown> {
    const request = { agent: call.agent };
    const data: AgentJobData = {
      ...call,
      // The worker stops trying (timeouts, retries) when the driver would stop waiting.
      deadline: Date.now() + this.deadlineMs,
    };
    const job = await this.queue.add(request.agent, data);
    const deadline = data.deadline!;
    if ((await this.queue.getWorkersCount()) === 0) {
      await this.options.onWaiting?.(
        request.agent,
        `no worker serves the agents queue, so this call waits: start \`lgt worker\` where LGT_LLM_BASE_URL (and OPENAI_API_KEY) are set, on this Redis. In ${Math.round(this.deadlineMs / 1000)} s the rule-based stand-in answers instead`,
      );
    }
    for (;;) {
      // The state first, then the job: read the other way round, a job that finishes in between
      // would look completed without its return value.
      const state = await this.queue.getJobState(job.id!);
      const current =
        state === 'completed' || state === 'failed' ? await this.queue.getJob(job.id!) : null;
      if (state === 'completed') return current!.returnvalue as unknown;
      if (state === 'failed')
        throw new Error(current!.failedReason || `the ${request.agent} call failed`);
      if (state === 'unknown')
        throw new Error(`the ${request.agent} job disappeared from the agents queue`);
      if (Date.now() > deadline) {
        // Not left to run later: a call nobody waits for would only cost tokens.
        await this.queue.remove(job.id!).catch(() => {});
        throw new Error(
          `no answer to the ${request.agent} call within its deadline of ${Math.round(this.deadlineMs / 1000)} s (LGT_AGENT_DEADLINE_MS)${state === 'waiting' || state === 'prioritized' ? ': no worker took it (is one serving the agents queue, with the LLM settings?)' : ''}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
