import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  MAX_PROMPT_LENGTH,
  promptFile,
  renderTemplate,
  templateProblem,
  templateVariables,
} from '../../agents/prompt-templates.ts';
import { extractJson, parseReply } from '../../src/llm/json-reply.ts';
import { LlmReplyError } from '../../src/llm/llm-client.ts';
import { costOf } from '../../src/llm/llm-pricing.ts';
import { llmSettingsFromEnv, type LlmSettings } from '../../src/llm/llm-settings.ts';
import { OpenAiChatModel } from '../../src/llm/openai-chat-model.ts';
import { StructuredLlmClient } from '../../src/llm/structured-llm-client.ts';
import { redactSecrets } from '../../src/secrets/redact.ts';
import { ScriptedLlmServer } from '../helpers/scripted-llm-server.ts';

const Reply = z.object({ answer: z.number(), words: z.array(z.string()) });

describe('replies: extract, validate', () => {
  it('finds the JSON object in plain JSON, a fenced block, or prose', () => {
    expect(extractJson('{"a": 1}')).toEqual({ a: 1 });
    expect(extractJson('Here:\n```json\n{"a": {"b": "}"}}\n```\nDone.')).toEqual({ a: { b: '}' } });
    expect(extractJson('Sure! {"a": [1, 2], "s": "x{y"} Hope this helps.')).toEqual({
      a: [1, 2],
      s: 'x{y',
    });
    expect(() => extractJson('no json here')).toThrow(/no JSON object/);
  });

  it('says what does not match the schema, field by field', () => {
    expect(parseReply('{"answer": 42, "words": ["a"]}', Reply)).toEqual({
      ok: true,
      value: { answer: 42, words: ['a'] },
    });
    const bad = parseReply('{"answer": "42", "words": [1]}', Reply);
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.problem).toContain('answer: ');
      expect(bad.problem).toContain('words.0: ');
    }
    const broken = parseReply('{"answer": ', Reply);
    expect(!broken.ok && broken.problem).toContain('it is not valid JSON');
  });
});

describe('settings, pricing and redaction', () => {
  it('reads the LLM settings from the environment, or none', () => {
    expect(llmSettingsFromEnv({})).toBeNull();
    const s = llmSettingsFromEnv({
      LGT_LLM_BASE_URL: 'http://127.0.0.1:11434/v1',
      LGT_LLM_MODEL: 'llama3.1',
      LGT_EVALUATOR_MODEL: 'qwen2.5',
    })!;
    expect(s.models).toEqual({ advisor: 'llama3.1', evaluator: 'qwen2.5', optimizer: 'llama3.1' });
    expect(s.apiKey).toBe('not-needed');
    expect(s.cache).toBe('auto');
    expect(() => llmSettingsFromEnv({ OPENAI_API_KEY: 'k', LGT_LLM_CACHE: 'sometimes' })).toThrow(
      /LGT_LLM_CACHE must be auto, on or off/,
    );
    expect(() => llmSettingsFromEnv({ OPENAI_API_KEY: 'k', LGT_LLM_TIMEOUT_MS: '-1' })).toThrow(
      /LGT_LLM_TIMEOUT_MS must be a non-negative number/,
    );
  });

  it('prices known models and honours an override', () => {
    const usage = { promptTokens: 1_000_000, completionTokens: 1_000_000, totalTokens: 2_000_000 };
    expect(costOf('gpt-4o-mini-2024-07-18', usage)).toBeCloseTo(0.75, 6);
    expect(costOf('my-local-model', usage)).toBe(0);
    expect(costOf('my-local-model', usage, { input: 1, output: 2 })).toBe(3);
  });

  it('removes the configured key, bearer tokens and key-looking strings', () => {
    const env = { OPENAI_API_KEY: 'my-very-secret-key' };
    expect(redactSecrets('401 for key my-very-secret-key', env)).toBe('401 for key [redacted]');
    expect(redactSecrets('Authorization: Bearer abc.def-123', env)).toBe(
      'Authorization: Bearer [redacted]',
    );
    expect(redactSecrets('bad key sk-proj-ABCDEFGH12345', env)).toBe('bad key [redacted]');
  });
});

describe('prompt templates', () => {
  it('renders the prompt files with their placeholders and no escaping', async () => {
    const advisor = promptFile('advisor');
    const variables = templateVariables(advisor);
    expect(variables).toEqual(
      expect.arrayContaining([
        'task_card',
        'history',
        'feedback',
        'lessons',
        'budget',
        'count',
        'candidates',
        'baseline',
        'noise',
      ]),
    );
    const values = Object.fromEntries(variables.map((v) => [v, `<${v} & "x">`]));
    const text = await renderTemplate(advisor, values);
    expect(text).toContain('<task_card & "x">');
    expect(text).toContain('{"analysis": "...", "proposals"');
    await expect(renderTemplate(advisor, {})).rejects.toThrow(/needs values for: task_card/);
  });

  it('accepts a rewrite that keeps every placeholder, and explains a bad one', () => {
    const required = templateVariables(promptFile('advisor'));
    expect(templateProblem(`${promptFile('advisor')}\nBe bolder.`, required)).toBeNull();
    expect(templateProblem('Propose {{count}}.', required)).toMatch(
      /^it drops the placeholders \{\{task_card\}\}/,
    );
    expect(templateProblem(`${promptFile('advisor')} {{secret}}`, required)).toBe(
      'it adds placeholders nothing fills: {{secret}}',
    );
    expect(
      templateProblem(`${promptFile('advisor')}${'x'.repeat(MAX_PROMPT_LENGTH)}`, required),
    ).toMatch(/characters long; the limit is 8000/);
  });
});

describe('the LLM client (OpenAI chat model, structured replies) against a scripted server', () => {
  const server = new ScriptedLlmServer({
    advisor: () => ({ content: { answer: 1, words: ['ok'] } }),
    evaluator: () => ({ content: {} }),
    optimizer: () => ({ content: {} }),
  });
  let settings: LlmSettings;

  beforeAll(async () => {
    settings = llmSettingsFromEnv({
      LGT_LLM_BASE_URL: await server.start(),
      OPENAI_API_KEY: 'sk-test-0000000000',
      LGT_LLM_MAX_RETRIES: '2',
      LGT_LLM_TIMEOUT_MS: '500',
    })!;
  });
  afterAll(() => server.stop());

  const ask = () =>
    new StructuredLlmClient(new OpenAiChatModel(settings), settings).complete({
      agent: 'advisor',
      messages: [{ role: 'user', content: 'hi' }],
      schema: Reply,
      schemaName: 'advisor_reply',
    });

  it('sends the schema as structured output and counts tokens', async () => {
    const result = await ask();
    expect(result.value).toEqual({ answer: 1, words: ['ok'] });
    expect(result.usage).toEqual({ promptTokens: 100, completionTokens: 50, totalTokens: 150 });
    const sent = server.requests.at(-1)!.body.response_format!;
    expect(sent.json_schema!.name).toBe('advisor_reply');
    expect(JSON.stringify(sent.json_schema!.schema)).toContain('"answer"');
  });

  it('retries 5xx and timeouts with backoff', async () => {
    const before = server.requests.length;
    server.script('advisor', { status: 503 }, { delayMs: 1500 });
    const result = await ask();
    expect(result.value.answer).toBe(1);
    expect(server.requests.length - before).toBe(3);
  });

  it('gives up with a clear error when retries run out, and on a reply that stays invalid', async () => {
    server.script('advisor', { status: 500 }, { status: 500 }, { status: 500 });
    // The error names the endpoint, so a wrong LGT_LLM_BASE_URL shows in the log.
    await expect(ask()).rejects.toThrow(
      `the advisor call to gpt-4o-mini at ${settings.baseUrl} failed: 500`,
    );
    server.script('advisor', { content: 'nope' }, { content: { answer: 'x' } });
    const error = (await ask().catch((e: unknown) => e)) as LlmReplyError;
    expect(error).toBeInstanceOf(LlmReplyError);
    expect(error.message).toContain(
      "the advisor's reply was invalid twice: it does not match the schema",
    );
    expect(error.usage.totalTokens).toBe(300);
  });

  it('the chat model gives the log-probabilities of the reply tokens when asked, and none otherwise', async () => {
    const chat = new OpenAiChatModel(settings);
    server.script('advisor', {
      content: 'A',
      logprobs: [
        {
          token: 'A',
          logprob: -0.1,
          top: [
            { token: 'A', logprob: -0.1 },
            { token: 'B', logprob: -2.4 },
          ],
        },
      ],
    });
    const request = {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user' as const, content: 'A or B?' }],
      temperature: 0,
      caller: 'advisor',
    };
    const reply = await chat.chat({ ...request, topLogprobs: 2 });
    const sent = server.requests.at(-1)!.body;
    expect(sent.logprobs).toBe(true);
    expect(sent.top_logprobs).toBe(2);
    expect(reply.text).toBe('A');
    expect(reply.logprobs).toEqual([
      {
        token: 'A',
        logprob: -0.1,
        top: [
          { token: 'A', logprob: -0.1 },
          { token: 'B', logprob: -2.4 },
        ],
      },
    ]);
    expect(reply.usage.totalTokens).toBe(150);
    // A server that gives none: the reply says so by having none (not made-up numbers).
    server.script('advisor', { content: 'B' });
    const plain = await chat.chat({ ...request, topLogprobs: 2 });
    expect(plain.text).toBe('B');
    expect(plain.logprobs).toBeUndefined();
  });
});
