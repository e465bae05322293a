import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LoggedEvent } from '../contracts/campaign-events.ts';
import type { CampaignEventHub } from './event-hub.ts';

/** How often an idle stream sends a comment, so proxies and clients know it is alive. */
const HEARTBEAT_MS = 15_000;
/** A client this far behind (bytes not yet sent) is cut off; it reconnects with its Last-Event-ID. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/**
 * A campaign's event log as Server-Sent Events: each event with its stream id (`id:`), so a
 * client that reconnects with `Last-Event-ID` resumes after the last one it got. The stream ends
 * with an `end` event when the campaign has ended.
 */
export async function streamCampaignEvents(
  hub: CampaignEventHub,
  id: string,
  after: string | undefined,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write('retry: 2000\n\n');
  let closed = false;
  let unsubscribe: (() => void) | null = null;
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    unsubscribe?.();
    res.end();
  };
  const heartbeat = setInterval(() => res.write(': alive\n\n'), HEARTBEAT_MS);
  request.raw.on('close', close);
  try {
    unsubscribe = await hub.subscribe(id, after, {
      onEvents: (events: LoggedEvent[]) => {
        if (closed) return;
        if (res.writableLength > MAX_BUFFERED_BYTES) {
          close();
          return;
        }
        res.write(events.map((e) => `id: ${e.id}\ndata: ${JSON.stringify(e)}\n\n`).join(''));
      },
      onEnd: () => {
        if (closed) return;
        res.write('event: end\ndata: {}\n\n');
        close();
      },
    });
    if (closed) unsubscribe();
  } catch (error) {
    request.log.warn({ err: error, campaign: id }, 'event stream failed');
    if (!closed)
      res.write(
        `event: error\ndata: ${JSON.stringify({ message: 'the event log could not be read; reconnect to resume' })}\n\n`,
      );
    close();
  }
}
