import { createTwoFilesPatch } from 'diff';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CampaignContext } from '../campaign/campaign-context.ts';
import {
  campaignOverview,
  campaignOverviewWithTrials,
  listCampaignOverviews,
} from '../campaign/campaign-overview.ts';
import { cancelCampaign, resumeCampaign } from '../campaign/campaign-control.ts';
import { createCampaign, prepareCampaign } from '../campaign/campaign-service.ts';
import { eventPages, reportStream } from '../campaign/report-stream.ts';
import { listCsvFiles, listModules } from '../data/data-listing.ts';
import { trialImportance } from '../importance/trial-importance.ts';
import { waitingFor } from '../campaign/waiting-for.ts';
import { ApiErrorSchema } from '../contracts/api-error.ts';
import { LoggedEventSchema } from '../contracts/campaign-events.ts';
import {
  CampaignListSchema,
  CampaignOverviewSchema,
  type CampaignOverview,
  type InvalidCampaignEntry,
} from '../contracts/campaign-overview.ts';
import {
  CampaignRecordSchema,
  type CampaignRecord,
  CAMPAIGN_ID_PATTERN,
} from '../contracts/campaign-record.ts';
import { EpochRecordSchema } from '../trainer/epoch-record.ts';
import { publicTrial, TrialRecordSchema, TrialSummarySchema } from '../contracts/trial-record.ts';
import {
  ImportanceReportSchema,
  ReportHeadSchema,
  ReportSchema,
} from '../contracts/campaign-report.ts';
import {
  CampaignRequestSchema,
  fieldProblems,
  type CampaignRequestInput,
} from '../contracts/campaign-request.ts';
import {
  PromptHistorySchema,
  StoredPromptsSchema,
  type PromptHistory,
} from '../contracts/prompt-history.ts';
import { builtInTasks, resolveTask } from '../catalog/task-registry.ts';
import type { AnyModelTask } from '../task-kinds/task.ts';
import type { TabularData } from '../task-kinds/tabular/tabular-task.ts';
import { csvSummary } from '../task-kinds/tabular/csv-summary.ts';
import { describeTaskJson, TaskDescriptionSchema } from '../task-kinds/task-description.ts';
import { LgtError } from '../errors/lgt-error.ts';
import { placeBodyTask, type AllowedPlaces } from './body-task.ts';
import type { CampaignEventHub } from './event-hub.ts';
import { streamCampaignEvents } from './event-stream.ts';

export interface CampaignRoutesDeps extends AllowedPlaces {
  ctx: CampaignContext;
  hub: CampaignEventHub;
  /** Where the server's campaigns write their reports (lgt serve --out): never the body's. */
  runsDir: string;
  /** Logs the invalid index entries a listing skipped (each once). */
  reportInvalid: (entries: readonly InvalidCampaignEntry[]) => void;
}

/** The fields a body may not set: the server decides them. */
const SERVER_OWNED = { outputDir: '--out', dataDirs: '--data-dir' } as const;

/** What POST /api/campaigns takes: everything `lgt run` can ask for, but where files go. */
const CreateCampaignBodySchema = CampaignRequestSchema.omit({
  outputDir: true,
  dataDirs: true,
}).strict();

const IdParams = z.object({
  id: z
    .string()
    .regex(CAMPAIGN_ID_PATTERN, 'must be a campaign id (GET /api/campaigns lists them)'),
});

const errors = {
  400: ApiErrorSchema,
  401: ApiErrorSchema,
  404: ApiErrorSchema,
  409: ApiErrorSchema,
};

export function registerCampaignRoutes(app: FastifyInstance, deps: CampaignRoutesDeps): void {
  const { store, queues } = deps.ctx;
  const requireCampaign = async (id: string) => {
    const c = await store.getCampaign(id);
    if (!c)
      throw new LgtError(
        'not-found',
        `campaign ${id} does not exist; GET /api/campaigns lists the campaigns`,
      );
    return c;
  };
  const kit: RouteKit = {
    api: zodApi(app),
    deps,
    store,
    queues,
    requireCampaign,
  };
  registerStartFormRoutes(kit);
  registerCampaignCreation(kit);
  registerCampaignReads(kit);
  registerCampaignChanges(kit);
  registerEventStream(kit);
}

/** The app with zod schemas as its route types. */
function zodApi(app: FastifyInstance) {
  return app.withTypeProvider<ZodTypeProvider>();
}

/** What every group of routes is registered with. */
interface RouteKit {
  api: ReturnType<typeof zodApi>;
  deps: CampaignRoutesDeps;
  store: CampaignRoutesDeps['ctx']['store'];
  queues: CampaignRoutesDeps['ctx']['queues'];
  requireCampaign: (id: string) => Promise<CampaignRecord>;
}

/** What the start form offers: the tasks, the data files in the allowed directories (with a preview), the modules and commands this server allows. */
function registerStartFormRoutes({ api, deps }: RouteKit): void {
  api.get(
    '/api/tasks',
    {
      schema: {
        summary: 'The built-in tasks with their metric and search space',
        response: { 200: z.array(TaskDescriptionSchema) },
      },
    },
    async () => builtInTasks.map(describeTaskJson),
  );

  api.get(
    '/api/data-files',
    {
      schema: {
        summary:
          "The CSV files in the server's data directories (lgt serve --data-dir), with their columns: what a request's task.file may name",
        response: {
          200: z.array(
            z.object({ dir: z.string(), name: z.string(), columns: z.array(z.string()) }),
          ),
        },
      },
    },
    async () => listCsvFiles(deps.dataDirs),
  );

  api.get(
    '/api/data-files/preview',
    {
      schema: {
        summary:
          'What lgt makes of a CSV file of the data directories with this target, as lgt tasks --csv says it: its columns as inferred, the classes, the rows of each split',
        querystring: z.object({
          file: z.string().min(1).max(4096),
          target: z.string().min(1).max(1000),
        }),
        response: {
          200: z.looseObject({
            kind: z.string(),
            metric: z.looseObject({ name: z.string() }),
            columns: z.array(
              z.object({
                name: z.string(),
                kind: z.string(),
                missing: z.number(),
                levels: z.number().optional(),
              }),
            ),
            classes: z.array(z.string()).optional(),
            rows: z.object({ train: z.number(), validation: z.number(), test: z.number() }),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      // A path from a query is data: only a file inside the data directories is read.
      const spec = placeBodyTask(
        { kind: 'csv', file: req.query.file, target: req.query.target },
        deps,
      );
      const task = await resolveTask({
        csv: spec.kind === 'csv' ? spec.file : '',
        target: req.query.target,
      });
      const data = (await (task as AnyModelTask).load({ splitSeed: 0 })) as TabularData;
      return { ...describeTaskJson(task), ...csvSummary(data) };
    },
  );

  api.get(
    '/api/allowed-tasks',
    {
      schema: {
        summary:
          "The task modules in the server's task directories (lgt serve --task-dir) and the commands it may run (--allow-command): what a request's task may name besides built-in tasks and CSV files",
        response: {
          200: z.object({
            modules: z.array(z.object({ dir: z.string(), name: z.string() })),
            commands: z.array(z.string()),
          }),
        },
      },
    },
    async () => ({ modules: await listModules(deps.taskDirs), commands: [...deps.commands] }),
  );
}

/** The campaigns: their list, and starting one. */
function registerCampaignCreation({ api, deps, store, queues }: RouteKit): void {
  api.get(
    '/api/campaigns',
    {
      schema: {
        summary: 'The most recent campaigns, with their trials by state',
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(50) }),
        response: { 200: CampaignListSchema, ...errors },
      },
    },
    async (req) => {
      const list = await listCampaignOverviews(store, req.query.limit);
      deps.reportInvalid(list.invalid);
      return list;
    },
  );

  api.post(
    '/api/campaigns',
    {
      schema: {
        summary: 'Start a campaign (what `lgt run` asks for); workers carry it out',
        body: CreateCampaignBodySchema,
        response: { 201: CampaignRecordSchema, ...errors },
      },
      // The schema documents the body; the handler checks it, so that a refusal names the
      // server's own fields and unknown ones in words (the generic check would not).
      validatorCompiler: () => (data) => ({ value: data }),
    },
    async (req, reply) => {
      const body = req.body as unknown;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new LgtError('invalid-request', 'the body must be a JSON object: a campaign request');
      }
      const owned = Object.entries(SERVER_OWNED)
        .filter(([field]) => field in body)
        .map(([field, flag]) => ({
          field,
          message: `is the server's to set (lgt serve ${flag}); leave it out`,
        }));
      if (owned.length) {
        throw new LgtError('invalid-request', describeFields(owned), owned);
      }
      const parsed = CreateCampaignBodySchema.safeParse(body);
      if (!parsed.success) throw invalidBody(parsed.error);
      const request: CampaignRequestInput = {
        ...(body as CampaignRequestInput),
        task: placeBodyTask(parsed.data.task, deps),
        outputDir: deps.runsDir,
        ...(deps.dataDirs.length ? { dataDirs: [...deps.dataDirs] } : {}),
      };
      const prepared = await prepareCampaign(request, {
        taskDirs: deps.taskDirs,
        commands: deps.commands,
        dataDirs: deps.dataDirs,
      });
      const record = await createCampaign(store, queues, prepared);
      reply.code(201);
      return record;
    },
  );
}

/** One campaign as it stands: its overview, trials, one trial, curves, report, importance and prompts. */
function registerCampaignReads({ api, deps, store, queues, requireCampaign }: RouteKit): void {
  api.get(
    '/api/campaigns/:id',
    {
      schema: {
        summary:
          "A campaign: status, budget used, best, running trials and their epochs (with ?trials=summary, every trial's summary too)",
        params: IdParams,
        querystring: z.object({
          trials: z.enum(['none', 'summary'], { error: 'must be none or summary' }).default('none'),
        }),
        response: {
          200: CampaignOverviewSchema.extend({ trials: z.array(TrialSummarySchema).optional() }),
          ...errors,
        },
      },
    },
    async (req) => {
      await requireCampaign(req.params.id);
      const withWaiting = async <O extends CampaignOverview>(o: O): Promise<O> => {
        const waiting = await waitingFor(queues, deps.ctx.connection, o.campaign);
        return waiting ? { ...o, waitingFor: waiting } : o;
      };
      if (req.query.trials === 'none')
        return withWaiting(await campaignOverview(store, req.params.id));
      // One read of the trials for both: what a long campaign's page needs first.
      const { overview, trials } = await campaignOverviewWithTrials(store, req.params.id);
      return { ...(await withWaiting(overview)), trials };
    },
  );

  api.get(
    '/api/campaigns/:id/trials',
    {
      schema: {
        summary:
          "A campaign's trials, in order (with ?view=summary, only number, state, value, source, time and epochs)",
        params: IdParams,
        querystring: z.object({
          view: z.enum(['full', 'summary'], { error: 'must be full or summary' }).default('full'),
        }),
        response: {
          200: z.union([z.array(TrialRecordSchema), z.array(TrialSummarySchema)]),
          ...errors,
        },
      },
    },
    async (req) => {
      await requireCampaign(req.params.id);
      // A long campaign's summary is a tenth of its records, and quicker to read.
      if (req.query.view === 'summary') return store.listTrialSummaries(req.params.id);
      return (await store.listTrials(req.params.id)).map(publicTrial);
    },
  );

  api.get(
    '/api/campaigns/:id/trials/:trial',
    {
      schema: {
        summary:
          "One trial: its record, its learning curve and the events about it (its proposal, attempts, outcome, the Evaluator's verdicts on it)",
        params: IdParams.extend({
          trial: z.coerce.number().int().min(1, 'must be a trial number (1 or more)'),
        }),
        response: {
          200: z.object({
            trial: TrialRecordSchema,
            curve: z.array(EpochRecordSchema),
            events: z.array(LoggedEventSchema),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const c = await requireCampaign(req.params.id);
      const n = req.params.trial;
      const trial = await store.getTrial(c.id, n);
      if (!trial) throw new LgtError('no-trial', `campaign ${c.id} has no trial ${n}`);
      const curve = (await store.getCurves(c.id, [n])).get(n) ?? [];
      // The log (capped in Redis) read a page at a time, kept only where it speaks of this trial:
      // its own events, and the Evaluator's messages that judge it.
      const events = [];
      for await (const page of eventPages(store, c.id))
        for (const e of page) {
          if ('trial' in e && e.trial === n && e.type !== 'trial.epoch') events.push(e);
          else if (e.type === 'agent.message' && judges(e.reply, n)) events.push(e);
        }
      return { trial: publicTrial(trial), curve, events };
    },
  );

  api.get(
    '/api/campaigns/:id/curves',
    {
      schema: {
        summary: 'Learning curves of some trials (validation metric and loss by epoch)',
        params: IdParams,
        querystring: z.object({
          trials: z
            .string()
            .regex(/^\d+(,\d+)*$/, 'must be trial numbers separated by commas, e.g. 1,4,7')
            .refine((s) => s.split(',').length <= 200, 'must name at most 200 trials'),
        }),
        response: { 200: z.record(z.string(), z.array(EpochRecordSchema)), ...errors },
      },
    },
    async (req) => {
      await requireCampaign(req.params.id);
      const numbers = req.query.trials.split(',').map(Number);
      return Object.fromEntries(await store.getCurves(req.params.id, numbers));
    },
  );

  api.get(
    '/api/campaigns/:id/report',
    {
      schema: {
        summary:
          "A finished campaign's report (what report.json holds; with ?trials=none its head: the outcome without the trials)",
        params: IdParams,
        querystring: z.object({
          trials: z.enum(['all', 'none'], { error: 'must be all or none' }).default('all'),
        }),
        response: { 200: z.union([ReportSchema, ReportHeadSchema]), ...errors },
      },
    },
    async (req, reply) => {
      const c = await requireCampaign(req.params.id);
      if (req.query.trials === 'none') {
        // What a finished campaign's page shows on top: small however long the campaign was.
        const head = await store.getReportHead(c.id);
        if (head) return head;
      }
      // Streamed a page of trials at a time: a 10,000-trial report is never one string here.
      const report = await reportStream(store, c.id);
      if (!report) {
        throw new LgtError(
          'no-report',
          `campaign ${c.id} is ${c.status} and has no report yet; it is written when the campaign ends`,
        );
      }
      // A stream is sent as it is (Fastify serializes only whole values); the schema above
      // still says what it holds, and the API tests parse the answer with it.
      return reply.type('application/json; charset=utf-8').send(report as never);
    },
  );

  api.get(
    '/api/campaigns/:id/importance',
    {
      schema: {
        summary:
          'Which dimensions mattered to reach the best trials (PED-ANOVA over the finished trials; null under 10)',
        params: IdParams,
        response: { 200: ImportanceReportSchema.nullable(), ...errors },
      },
    },
    async (req) => {
      const c = await requireCampaign(req.params.id);
      return trialImportance(await store.listTrials(c.id), c.metric.direction);
    },
  );

  api.get(
    '/api/campaigns/:id/prompts',
    {
      schema: {
        summary: "The Advisor's prompt versions (lgt and hybrid campaigns), each with its diff",
        params: IdParams,
        response: { 200: PromptHistorySchema, ...errors },
      },
    },
    async (req) => {
      const c = await requireCampaign(req.params.id);
      return promptHistory(await store.getState(c.id, 'lgt', StoredPromptsSchema));
    },
  );
}

/** Cancel and resume. */
function registerCampaignChanges({ api, store, queues, requireCampaign }: RouteKit): void {
  api.post(
    '/api/campaigns/:id/cancel',
    {
      schema: {
        summary: 'Stop a campaign: waiting trials are dropped, running ones stop between epochs',
        params: IdParams,
        response: { 200: CampaignRecordSchema, ...errors },
      },
    },
    async (req) => {
      // A campaign that is not queued or running: cancelCampaign refuses it (not-running, 409).
      const c = await requireCampaign(req.params.id);
      return cancelCampaign(store, c.id, 'cancelled through the API', queues);
    },
  );

  api.post(
    '/api/campaigns/:id/resume',
    {
      schema: {
        summary:
          'Carry on with a campaign whose driver stopped (its job is queued again); workers do the rest',
        params: IdParams,
        response: { 200: CampaignRecordSchema, ...errors },
      },
    },
    async (req) => {
      const c = await requireCampaign(req.params.id);
      const resumed = await resumeCampaign(store, queues, c.id);
      if (!resumed) {
        throw new LgtError(
          'finished',
          `campaign ${c.id} is ${c.status}; a finished campaign cannot be resumed (start a new one)`,
        );
      }
      return resumed;
    },
  );
}

/** A campaign's events: a page of them, or the live stream (server-sent events, resumable). */
function registerEventStream({ api, deps, store, requireCampaign }: RouteKit): void {
  api.get(
    '/api/campaigns/:id/events',
    {
      schema: {
        summary:
          'The agent log and trial progress as Server-Sent Events; resumes after Last-Event-ID (or ?after=)',
        params: IdParams,
        querystring: z.object({
          after: z
            .string()
            .regex(/^\d+-\d+$/, 'must be an event id such as 1764680000000-0')
            .optional(),
          follow: z.enum(['true', 'false']).default('true'),
          types: z
            .string()
            .regex(/^[a-z.-]+(,[a-z.-]+)*$/, 'must be event types separated by commas')
            .optional()
            .describe('with follow=false: only these event types (e.g. agent.message,proposal)'),
          limit: z.coerce
            .number()
            .int()
            .min(1)
            .max(100_000)
            .optional()
            .describe('with follow=false: only the last this many (after the type filter)'),
        }),
        headers: z.looseObject({
          'last-event-id': z
            .string()
            .regex(/^\d+-\d+$/, 'must be an event id')
            .optional(),
        }),
        response: {
          200: z.array(LoggedEventSchema).describe('with follow=false: the events as JSON'),
          ...errors,
        },
      },
    },
    async (req, reply) => {
      await requireCampaign(req.params.id);
      const after = req.headers['last-event-id'] ?? req.query.after;
      if (req.query.follow === 'false') {
        // The log as it is (capped in Redis), filtered here rather than sent whole: the header
        // says where it ended, so a live stream can carry on from there.
        const types = req.query.types ? new Set(req.query.types.split(',')) : null;
        const out = [];
        let last = after ?? '0';
        for (;;) {
          const page = await store.readEvents(req.params.id, last, { count: 5000 });
          if (page.length === 0) break;
          last = page.at(-1)!.id;
          out.push(...(types ? page.filter((e) => types.has(e.type)) : page));
          if (req.query.limit && out.length > 2 * req.query.limit) {
            out.splice(0, out.length - req.query.limit);
          }
        }
        if (req.query.limit && out.length > req.query.limit) {
          out.splice(0, out.length - req.query.limit);
        }
        void reply.header('x-last-event-id', last);
        return out;
      }
      await streamCampaignEvents(deps.hub, req.params.id, after, req, reply);
      return reply;
    },
  );
}

function promptHistory(stored: z.infer<typeof StoredPromptsSchema> | null): PromptHistory {
  if (stored === null) return { active: null, versions: [] };
  const byVersion = new Map(stored.prompts.map((p) => [p.version, p]));
  return {
    active: stored.activePrompt,
    versions: stored.prompts.map((p) => {
      const parent = p.parent === null ? undefined : byVersion.get(p.parent);
      return {
        ...p,
        diff: parent
          ? createTwoFilesPatch(`v${parent.version}`, `v${p.version}`, parent.template, p.template)
              // Without the "====" line: the file names follow.
              .split('\n')
              .slice(1)
              .join('\n')
          : null,
      };
    }),
  };
}

function describeFields(fields: { field: string; message: string }[]): string {
  return `the campaign cannot start: ${fields.map((f) => `${f.field} ${f.message}`).join('; ')}`;
}

function invalidBody(error: z.ZodError): LgtError {
  const fields = error.issues.flatMap(fieldProblems);
  return new LgtError('invalid-request', describeFields(fields), fields);
}

/** Whether an agent's reply carries a verdict on trial `n` (the Evaluator's `verdicts`). */
function judges(reply: unknown, n: number): boolean {
  const verdicts = (reply as { verdicts?: unknown } | null)?.verdicts;
  return Array.isArray(verdicts) && verdicts.some((v) => (v as { trial?: unknown })?.trial === n);
}
