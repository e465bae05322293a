import { z } from 'zod';
import {
  addUsage,
  LlmReplyError,
  NO_USAGE,
  type AgentName,
  type ChatMessage,
  type LlmClient,
  type LlmRequest,
  type LlmResult,
  type LlmUsage,
} from './llm-client.ts';
import type { ChatModel } from './chat-model.ts';
import type { LlmSettings } from './llm-settings.ts';
import { costOf } from './llm-pricing.ts';
import { parseReply } from './json-reply.ts';
import { redactSecrets } from '../secrets/redact.ts';

/**
 * Structured replies on top of a chat model: the reply's zod schema goes out as a
 * structured-output JSON schema; what comes back is extracted and validated, and when it does not
 * fit (a server that ignores schemas, broken JSON, an overlong reply) the model is asked once
 * more with the exact problem (a repair turn). Usage is summed over the turns and priced.
 */
export class StructuredLlmClient implements LlmClient {
  constructor(
    private readonly chat: ChatModel,
    private readonly settings: Pick<
      LlmSettings,
      'models' | 'temperature' | 'maxReplyChars' | 'price'
    >,
  ) {}

  readonly model = (agent: AgentName): string => this.settings.models[agent];

  async complete<T>(request: LlmRequest<T>): Promise<LlmResult<T>> {
    const model = request.model ?? this.model(request.agent);
    const started = performance.now();
    const jsonSchema = z.toJSONSchema(request.schema, { target: 'draft-7' }) as Record<
      string,
      unknown
    >;
    delete jsonSchema['$schema'];
    let usage: LlmUsage = NO_USAGE;
    let calls = 0;
    const messages: ChatMessage[] = [...request.messages];
    for (let turn = 0; turn < 2; turn++) {
      const reply = await this.chat.chat({
        model,
        messages,
        temperature: request.temperature ?? this.settings.temperature,
        ...(request.seed !== undefined ? { seed: request.seed } : {}),
        responseSchema: { name: request.schemaName, jsonSchema },
        ...(request.signal ? { signal: request.signal } : {}),
        caller: request.agent,
      });
      const raw = reply.text;
      usage = addUsage(usage, reply.usage);
      calls += 1;
      // A reply is data: a secret it echoes (the key, a token) is gone before anything keeps it.
      const text = redactSecrets(raw);
      const limit = this.settings.maxReplyChars;
      // An overlong reply is refused like a malformed one, before it is parsed or carried on.
      const parsed =
        text.length > limit
          ? ({
              ok: false,
              problem: `it is ${text.length} characters long, over the limit of ${limit}; keep every text short`,
            } as const)
          : parseReply(text, request.schema);
      if (parsed.ok) {
        return {
          value: parsed.value,
          model,
          usage,
          costUsd: costOf(model, usage, this.settings.price),
          latencyMs: performance.now() - started,
          cached: false,
          repaired: turn > 0,
          calls,
        };
      }
      if (turn === 1) {
        throw new LlmReplyError(
          `the ${request.agent}'s reply was invalid twice: ${parsed.problem}`,
          usage,
        );
      }
      // The repair turn: show the model its reply and what is wrong with it.
      messages.push(
        // Not the whole of an overlong reply: the repair turn would only grow with it.
        { role: 'assistant', content: text.length > limit ? `${text.slice(0, 2000)} [...]` : text },
        {
          role: 'user',
          content: `Your reply cannot be used: ${parsed.problem}. Reply again with only one JSON object that matches the required schema, no prose around it.`,
        },
      );
    }
    throw new Error('unreachable');
  }
}
