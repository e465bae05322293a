import OpenAI from 'openai';
import { redactSecrets } from '../secrets/redact.ts';
import type { ChatModel, ChatReply, ChatRequest } from './chat-model.ts';

/**
 * Any OpenAI-compatible endpoint through the `openai` SDK, which retries timeouts, 429 and 5xx
 * with exponential backoff. Errors carry only a redacted message (SDK errors can hold request
 * details).
 */
export class OpenAiChatModel implements ChatModel {
  private readonly client: OpenAI;
  private readonly baseUrl: string;

  constructor(settings: {
    baseUrl: string;
    apiKey: string;
    timeoutMs: number;
    maxRetries: number;
  }) {
    this.baseUrl = settings.baseUrl;
    this.client = new OpenAI({
      baseURL: settings.baseUrl,
      apiKey: settings.apiKey,
      timeout: settings.timeoutMs,
      maxRetries: settings.maxRetries,
    });
  }

  async chat(request: ChatRequest): Promise<ChatReply> {
    try {
      const data = await this.client.chat.completions.create(
        {
          model: request.model,
          messages: request.messages,
          temperature: request.temperature,
          ...(request.seed !== undefined ? { seed: request.seed } : {}),
          ...(request.responseSchema
            ? {
                response_format: {
                  type: 'json_schema' as const,
                  json_schema: {
                    name: request.responseSchema.name,
                    schema: request.responseSchema.jsonSchema,
                    strict: false,
                  },
                },
              }
            : {}),
          ...(request.topLogprobs !== undefined
            ? { logprobs: true, top_logprobs: request.topLogprobs }
            : {}),
        },
        request.signal ? { signal: request.signal } : undefined,
      );
      // A reply is data: one without a choice says so, rather than failing on a missing field.
      const choice = Array.isArray(data?.choices) ? data.choices[0] : undefined;
      if (!choice)
        throw new Error(
          `${redactSecrets(this.baseUrl)} answered without a choice (its reply's "choices" list is empty or missing): does it serve the model ${request.model}?`,
        );
      const logprobs = choice.logprobs?.content?.map((t) => ({
        token: t.token,
        logprob: t.logprob,
        top: (t.top_logprobs ?? []).map((a) => ({ token: a.token, logprob: a.logprob })),
      }));
      return {
        text: choice.message?.content ?? '',
        usage: {
          promptTokens: data.usage?.prompt_tokens ?? 0,
          completionTokens: data.usage?.completion_tokens ?? 0,
          totalTokens: data.usage?.total_tokens ?? 0,
        },
        ...(logprobs ? { logprobs } : {}),
      };
    } catch (error) {
      if (request.signal?.aborted)
        throw new Error(
          `the ${request.caller} call to ${request.model} did not finish within its deadline (LGT_AGENT_DEADLINE_MS)`,
        );
      // The endpoint is named: "Connection error." alone does not say which setting is wrong.
      throw new Error(
        `the ${request.caller} call to ${request.model} at ${redactSecrets(this.baseUrl)} failed: ${redactSecrets((error as Error).message)}`,
      );
    }
  }
}
