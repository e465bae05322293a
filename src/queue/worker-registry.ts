import type { RedisClient } from './redis-connection.ts';
import { z } from 'zod';
import { queuePrefix, type LgtQueues, type QueueName } from './lgt-queues.ts';

/**
 * What a worker process tells the others it may run, so that a campaign that needs a command, a
 * module or a data directory can say which worker it waits for, and `lgt run` can tell whether
 * any worker could take it. Written by each WorkerService under its BullMQ worker name; read only
 * for the names Redis lists as connected (CLIENT LIST, as BullMQ's getWorkers), so an entry left
 * by a process that died says nothing: liveness comes from the connection, not from the entry.
 */
export const WorkerAdvertSchema = z.object({
  name: z.string(),
  queues: z.array(z.enum(['campaign', 'trials', 'agents'])),
  taskDirs: z.array(z.string()),
  commands: z.array(z.string()),
  dataDirs: z.array(z.string()),
  startedAt: z.number(),
});
export type WorkerAdvert = z.infer<typeof WorkerAdvertSchema>;

/** A connected worker, with what it advertised (none from a worker that does not advertise). */
export interface LiveWorker {
  name: string;
  advert?: WorkerAdvert;
}

/** How long an entry outlives its last refresh: long, since liveness is read elsewhere. */
const ADVERT_TTL_S = 3600;
/** How often a running worker writes its entry again. */
export const ADVERT_REFRESH_MS = 20 * 60_000;

/** The one key of a worker's entry: <prefix>:worker:<name>. */
function advertKey(name: string, prefix = queuePrefix()): string {
  return `${prefix.replace(/[{}]/g, '')}:worker:${name}`;
}

export async function advertise(redis: RedisClient, advert: WorkerAdvert): Promise<void> {
  await redis.set(advertKey(advert.name), JSON.stringify(advert), 'EX', ADVERT_TTL_S);
}

export async function withdraw(redis: RedisClient, name: string): Promise<void> {
  await redis.del(advertKey(name));
}

/** BullMQ names a named worker's connection <prefix>:<queue>:w:<name>. */
function workerNameOf(rawname: string | undefined): string | undefined {
  const at = rawname?.indexOf(':w:') ?? -1;
  return at >= 0 ? rawname!.slice(at + 3) : undefined;
}

/** The workers connected to each queue, with their adverts (read as data: checked, never trusted). */
export async function liveWorkers(
  queues: LgtQueues,
  redis: RedisClient,
): Promise<Record<'campaign' | 'trials', LiveWorker[]>> {
  const [campaign, trials] = await Promise.all(
    (['campaign', 'trials'] as const).map(async (q: QueueName) => {
      const clients = (await queues[q].getWorkers()) as { rawname?: string }[];
      // A worker holds two connections per queue (one blocks): one entry each. Unnamed ones
      // (an lgt older than the adverts) count as one: only whether there is any matters.
      const names = [...new Set(clients.map((c) => workerNameOf(c.rawname) ?? ''))];
      return Promise.all(
        names.map(async (name): Promise<LiveWorker> => {
          if (!name) return { name: '(unnamed)' };
          const text = await redis.get(advertKey(name));
          let advert: WorkerAdvert | undefined;
          try {
            const parsed = WorkerAdvertSchema.safeParse(text ? JSON.parse(text) : undefined);
            if (parsed.success) advert = parsed.data;
          } catch {
            // Not JSON: not lgt's entry, so nothing is known of what this worker may run.
          }
          return advert ? { name, advert } : { name };
        }),
      );
    }),
  );
  return { campaign: campaign!, trials: trials! };
}
