import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A test double of an OpenAI-compatible chat-completions server on 127.0.0.1: it answers each
 * agent (recognised by the reply schema the request names) from a script, records every request,
 * and can answer with errors, delays or broken JSON. Its answers are scripted, not an LLM's.
 */
export type AgentKind = 'advisor' | 'evaluator' | 'optimizer';

export interface ScriptedReply {
  status?: number;
  /** The message content: a string as it is, anything else as JSON. */
  content?: unknown;
  delayMs?: number;
  headers?: Record<string, string>;
  tokens?: { prompt: number; completion: number };
  /** Per token of the content: its log-probability and the top alternatives (as OpenAI sends). */
  logprobs?: { token: string; logprob: number; top: { token: string; logprob: number }[] }[];
}

export interface RecordedRequest {
  agent: AgentKind;
  body: {
    model: string;
    messages: { role: string; content: string }[];
    temperature?: number;
    response_format?: { type: string; json_schema?: { name: string; schema: unknown } };
    logprobs?: boolean;
    top_logprobs?: number;
  };
  headers: http.IncomingHttpHeaders;
}

export type Responder = (request: RecordedRequest, index: number) => ScriptedReply;

/** Which agent asks, by the reply schema it names (the in-run ones are the Advisor and Evaluator). */
const AGENT_OF_SCHEMA: Record<string, AgentKind> = {
  advisor_reply: 'advisor',
  in_run_change: 'advisor',
  evaluator_reply: 'evaluator',
  branch_verdict: 'evaluator',
  optimizer_reply: 'optimizer',
};

/** The reply schema a request names (in_run_change, branch_verdict, advisor_reply, ...). */
export const schemaOf = (r: RecordedRequest) => r.body.response_format?.json_schema?.name ?? '';

export class ScriptedLlmServer {
  readonly requests: RecordedRequest[] = [];
  private readonly queues: Record<AgentKind, ScriptedReply[]> = {
    advisor: [],
    evaluator: [],
    optimizer: [],
  };
  private server: http.Server | null = null;
  url = '';

  constructor(private readonly defaults: Record<AgentKind, Responder>) {}

  /** Replies for the next calls of an agent, in order; the defaults answer after them. */
  script(agent: AgentKind, ...replies: ScriptedReply[]): void {
    this.queues[agent].push(...replies);
  }

  /** Replaces an agent's default answer (what it says once its scripted replies are used up). */
  answerWith(agent: AgentKind, responder: Responder): void {
    this.defaults[agent] = responder;
  }

  requestsOf(agent: AgentKind): RecordedRequest[] {
    return this.requests.filter((r) => r.agent === agent);
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (d: Buffer) => (raw += d.toString()));
      req.on('end', () => void this.answer(req, raw, res));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/v1`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private async answer(
    req: http.IncomingMessage,
    raw: string,
    res: http.ServerResponse,
  ): Promise<void> {
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      res.writeHead(404).end();
      return;
    }
    const body = JSON.parse(raw) as RecordedRequest['body'];
    const schemaName = body.response_format?.json_schema?.name ?? '';
    const agent = AGENT_OF_SCHEMA[schemaName] ?? 'advisor';
    const recorded: RecordedRequest = { agent, body, headers: req.headers };
    this.requests.push(recorded);
    const index = this.requestsOf(agent).length - 1;
    const reply = this.queues[agent].shift() ?? this.defaults[agent](recorded, index);
    if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    const status = reply.status ?? 200;
    if (status !== 200) {
      res.writeHead(status, { 'content-type': 'application/json', ...reply.headers });
      res.end(
        JSON.stringify({ error: { message: `scripted status ${status}`, type: 'scripted' } }),
      );
      return;
    }
    const content =
      typeof reply.content === 'string' ? reply.content : JSON.stringify(reply.content);
    const tokens = reply.tokens ?? { prompt: 100, completion: 50 };
    res.writeHead(200, { 'content-type': 'application/json', ...reply.headers });
    res.end(
      JSON.stringify({
        id: `scripted-${this.requests.length}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content },
            finish_reason: 'stop',
            ...(reply.logprobs
              ? {
                  logprobs: {
                    content: reply.logprobs.map((t) => ({
                      token: t.token,
                      logprob: t.logprob,
                      bytes: null,
                      top_logprobs: t.top.map((a) => ({ ...a, bytes: null })),
                    })),
                  },
                }
              : {}),
          },
        ],
        usage: {
          prompt_tokens: tokens.prompt,
          completion_tokens: tokens.completion,
          total_tokens: tokens.prompt + tokens.completion,
        },
      }),
    );
  }
}

/** The last message of a request that came from the user, the first one, and the system prompt. */
export const firstUserMessage = (r: RecordedRequest) =>
  r.body.messages.find((m) => m.role === 'user')?.content ?? '';
export const userMessage = (r: RecordedRequest) =>
  r.body.messages.filter((m) => m.role === 'user').at(-1)?.content ?? '';
export const systemMessage = (r: RecordedRequest) =>
  r.body.messages.find((m) => m.role === 'system')?.content ?? '';

/**
 * A reply of one token with these top logprobs, the first entry the token answered (scripted,
 * not a model's): what proxy-tuned decisions read.
 */
export function logprobReply(top: Record<string, number>): ScriptedReply {
  const [token, logprob] = Object.entries(top)[0]!;
  return {
    content: token,
    logprobs: [
      {
        token,
        logprob,
        top: Object.entries(top).map(([t, l]) => ({ token: t, logprob: l })),
      },
    ],
  };
}

/** A started server whose every answer, for any agent, is logprobReply(top). */
export async function logprobServer(top: Record<string, number>): Promise<ScriptedLlmServer> {
  const reply = () => logprobReply(top);
  const server = new ScriptedLlmServer({ advisor: reply, evaluator: reply, optimizer: reply });
  await server.start();
  return server;
}
