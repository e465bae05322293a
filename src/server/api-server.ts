import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CampaignContext } from '../campaign/campaign-context.ts';
import { ApiErrorSchema, type ApiError } from '../contracts/api-error.ts';
import type { InvalidCampaignEntry } from '../contracts/campaign-overview.ts';
import { createRedis } from '../queue/redis-connection.ts';
import { redactSecrets, redactUrl, registerSecret } from '../secrets/redact.ts';
import { changesState, isLoopback, tokenMatches } from './api-auth.ts';
import { allowedHosts, hostName } from './allowed-hosts.ts';
import { LgtError } from '../errors/lgt-error.ts';
import { createApiMetrics } from './api-metrics.ts';
import { registerCampaignRoutes } from './campaign-routes.ts';
import { registerDashboardRoutes } from './dashboard-routes.ts';
import { CampaignEventHub } from './event-hub.ts';
import { WrongTokenBrake } from './wrong-token-brake.ts';

/** Request bodies larger than this are refused (a campaign request is a few hundred bytes). */
export const BODY_LIMIT_BYTES = 64 * 1024;

export interface ApiServerOptions {
  ctx: CampaignContext;
  /** What state changes (and, beyond loopback, every read) must present as a bearer token. */
  token: string;
  /** The address it will listen on: beyond loopback every read needs the token too. */
  host: string;
  /** Where its campaigns write reports (never a body's choice). */
  runsDir: string;
  /** Where a body's CSV file may be. */
  dataDirs: string[];
  /** Where a body's task module may be; none: modules are refused. */
  taskDirs: string[];
  /** Command lines a body may name as its objective (lgt serve --allow-command). */
  commands?: string[];
  /**
   * Host names it answers to besides the loopback names and `host` (lgt serve --allowed-host):
   * e.g. the name other machines reach it by, behind a proxy.
   */
  allowedHosts?: string[];
  /** Request logging (pino): to standard output, to a stream, or off; the token is never logged. */
  logger?: boolean | { stream: NodeJS.WritableStream };
}

/** Paths anyone may read without the token: liveness, and the dashboard's own files (no data). */
const OPEN_PATHS = [/^\/healthz$/, /^\/$/, /^\/dashboard\//, /^\/favicon\.ico$/];

/**
 * The HTTP service (`lgt serve`): the campaign API with zod schemas for every body, query and
 * answer (and an OpenAPI document made from them), live event streams, Prometheus metrics and
 * the dashboard. It only reads and writes the store and the queues; workers do the work.
 */
export async function buildApiServer(opts: ApiServerOptions): Promise<FastifyInstance> {
  // The token is a secret by value too: wherever it turns up (a query string, an echoed body),
  // it is taken out of what is logged.
  registerSecret(opts.token);
  const app = Fastify({
    bodyLimit: BODY_LIMIT_BYTES,
    logger: opts.logger
      ? {
          level: process.env['LGT_LOG_LEVEL'] ?? 'info',
          redact: ['req.headers.authorization', 'req.headers.cookie'],
          serializers: {
            // Fastify's own, but with the URL's secret-looking query values redacted.
            req: (req: FastifyRequest) => ({
              method: req.method,
              url: redactUrl(req.url),
              host: req.host,
              remoteAddress: req.ip,
              remotePort: req.socket?.remotePort,
            }),
          },
          // Last, every line as written: known secrets out of any field, by value.
          hooks: { streamWrite: (line: string) => redactSecrets(line) },
          ...(typeof opts.logger === 'object' ? { stream: opts.logger.stream } : {}),
        }
      : false,
  });
  app.setValidatorCompiler(validatorCompiler);
  // Answers are typed by their schemas at compile time and built from records that the store
  // already parsed with the same schemas on the way out of Redis: checking them again on the way
  // out would double the cost of a 10,000-trial answer for nothing, so they are only serialized.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  const hub = new CampaignEventHub(opts.ctx.store, () => createRedis(opts.ctx.redis.url));
  const loopback = isLoopback(opts.host);

  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'lgt',
        description:
          'Language-Guided Tuning campaigns: start, watch, cancel, resume; reports and prompt versions. State changes need `Authorization: Bearer <LGT_API_TOKEN>`, and beyond loopback every read too.',
        version: '1',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });

  const hosts = allowedHosts(opts.host, opts.allowedHosts ?? []);
  const brake = new WrongTokenBrake();
  app.addHook('onRequest', async (req) => {
    const host = hostName(req.headers.host);
    if (host === null || !hosts.has(host)) {
      throw new LgtError(
        'host-not-allowed',
        // Which names it does answer to is not said: a rebinding page could read it.
        `this server does not answer to the Host ${JSON.stringify((req.headers.host ?? '').slice(0, 100))}; its operator can add a name with lgt serve --allowed-host <name>`,
      );
    }
    const url = req.url.split('?')[0]!;
    const needsToken =
      changesState(req.method) || (!loopback && !OPEN_PATHS.some((p) => p.test(url)));
    if (needsToken && !tokenMatches(req.headers.authorization, opts.token)) {
      const wait = brake.failed(req.ip);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      throw new LgtError(
        'unauthorized',
        req.headers.authorization
          ? 'the bearer token is wrong; use the LGT_API_TOKEN the server was started with'
          : `${changesState(req.method) ? 'a change' : 'a read beyond loopback'} needs Authorization: Bearer <LGT_API_TOKEN>`,
      );
    }
  });

  app.setErrorHandler((error: FastifyError, req, reply) => {
    const { status, body } = errorAnswer(error);
    if (status >= 500) req.log.error({ err: error }, 'request failed');
    void reply.code(status).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({
      error: 'not-found',
      message: `no route ${req.method} ${req.url.split('?')[0]}; GET /openapi.json lists them`,
    });
  });

  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/healthz',
    {
      schema: {
        summary: 'Whether the server reaches Redis',
        response: {
          200: z.object({ ok: z.literal(true), redis: z.literal('up') }),
          503: ApiErrorSchema,
        },
      },
    },
    async (_req, reply) => {
      try {
        await opts.ctx.store.ping();
        return { ok: true as const, redis: 'up' as const };
      } catch (error) {
        return reply.code(503).send({
          error: 'redis-unreachable',
          message: `Redis does not answer (${(error as Error).message}); campaigns resume once it is back`,
        });
      }
    },
  );

  // An invalid index entry is logged once, not at every listing or scrape.
  const reported = new Set<string>();
  const reportInvalid = (entries: readonly InvalidCampaignEntry[]) => {
    for (const e of entries) {
      if (reported.has(e.id)) continue;
      // Bounded: entries planted by the thousand are logged again rather than kept for ever.
      if (reported.size >= 10_000) reported.clear();
      reported.add(e.id);
      app.log.warn({ campaign: e.id, problem: e.problem }, 'skipped an invalid campaign record');
    }
  };
  const metrics = createApiMetrics(opts.ctx.store, opts.ctx.queues, hub, reportInvalid);
  app.get(
    '/metrics',
    { schema: { summary: 'Prometheus metrics', hide: false } },
    async (_req, reply) => {
      void reply.header('content-type', metrics.contentType);
      return metrics.metrics();
    },
  );

  registerCampaignRoutes(app, {
    ctx: opts.ctx,
    hub,
    runsDir: opts.runsDir,
    dataDirs: opts.dataDirs,
    taskDirs: opts.taskDirs,
    commands: opts.commands ?? [],
    reportInvalid,
  });
  registerDashboardRoutes(app);

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.addHook('onClose', async () => hub.close());
  await app.ready();
  return app;
}

/** An error as the API answers it: a status and `{error, message, fields?}` saying what to change. */
function errorAnswer(error: FastifyError): { status: number; body: ApiError } {
  // Every refusal and expected failure, from any layer: the status its code's row gives.
  if (error instanceof LgtError) {
    const body: ApiError = { error: error.code, message: error.message };
    if (error.fields) body.fields = error.fields;
    return { status: error.httpStatus, body };
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const fields = error.validation.map((v) => ({
      field: `${error.validationContext ?? 'request'}${v.instancePath.replace(/\//g, '.')}`,
      message: v.message ?? 'is invalid',
    }));
    return {
      status: 400,
      body: {
        error: 'invalid-request',
        message: fields.map((f) => `${f.field} ${f.message}`).join('; '),
        fields,
      },
    };
  }
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return {
      status: 413,
      body: {
        error: 'body-too-large',
        message: `the body is larger than ${BODY_LIMIT_BYTES / 1024} KiB; a campaign request is much smaller`,
      },
    };
  }
  if (
    error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ||
    error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
  ) {
    return {
      status: 415,
      body: {
        error: 'unsupported-media-type',
        message: 'send the body as JSON (content-type: application/json)',
      },
    };
  }
  if (error.statusCode === 400) {
    return { status: 400, body: { error: 'invalid-request', message: error.message } };
  }
  return {
    status: error.statusCode && error.statusCode >= 400 ? error.statusCode : 500,
    body: { error: 'internal', message: 'the server failed on this request; its log says why' },
  };
}
