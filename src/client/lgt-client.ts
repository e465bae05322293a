import { LgtError } from '../errors/lgt-error.ts';
import { z } from 'zod';
import { ApiErrorSchema, type ApiError } from '../contracts/api-error.ts';
import { LoggedEventSchema, type LoggedEvent } from '../contracts/campaign-events.ts';
import {
  CampaignListSchema,
  CampaignOverviewSchema,
  type CampaignList,
  type CampaignOverview,
} from '../contracts/campaign-overview.ts';
import { CampaignRecordSchema, FINISHED_CAMPAIGN } from '../contracts/campaign-record.ts';
import { ReportSchema, type CampaignReport } from '../contracts/campaign-report.ts';
import { TrialRecordSchema, type TrialRecord } from '../contracts/trial-record.ts';
import type { CampaignRequestInput } from '../contracts/campaign-request.ts';
import {
  CampaignEndedWithoutReport,
  type CampaignHandle,
  type EventsOptions,
} from './campaign-handle.ts';

/** What `lgt serve` takes to start a campaign: a request without the server's own fields. */
export type CampaignBody = Omit<CampaignRequestInput, 'outputDir' | 'dataDirs'>;

export interface LgtClientOptions {
  /** The server, e.g. http://127.0.0.1:8080 */
  url: string;
  /** LGT_API_TOKEN of the server: needed for changes, and beyond loopback for every read. */
  token?: string;
  /** How long to wait before reconnecting a dropped event stream (ms). */
  reconnectMs?: number;
}

/** The API refused or failed a request: its status and its `{error, message, fields?}`. */
export class LgtApiError extends LgtError {
  constructor(
    readonly status: number,
    readonly body: ApiError,
  ) {
    super('api-answer', `lgt serve answered ${status}: ${body.message}`);
    this.name = 'LgtApiError';
  }
}

/** Talks to `lgt serve`: start, list and follow campaigns; every answer checked by the API's schemas. */
export class LgtClient {
  private readonly base: string;

  constructor(private readonly options: LgtClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
  }

  async startCampaign(request: CampaignBody): Promise<CampaignHandle> {
    const record = await this.call('POST', '/api/campaigns', CampaignRecordSchema, request);
    return this.campaign(record.id);
  }

  /** A handle on an existing campaign. */
  campaign(id: string): CampaignHandle {
    const path = `/api/campaigns/${encodeURIComponent(id)}`;
    return {
      id,
      events: (opts?: EventsOptions) => this.events(id, opts),
      status: () => this.call('GET', path, CampaignOverviewSchema),
      cancel: async () => {
        await this.call('POST', `${path}/cancel`, CampaignRecordSchema);
      },
      result: () => this.result(id),
      close: async () => {},
    };
  }

  /** The most recent campaigns, and the index entries the server skipped as invalid. */
  listCampaigns(limit = 50): Promise<CampaignList> {
    return this.call('GET', `/api/campaigns?limit=${limit}`, CampaignListSchema);
  }

  trials(id: string): Promise<TrialRecord[]> {
    return this.call(
      'GET',
      `/api/campaigns/${encodeURIComponent(id)}/trials`,
      z.array(TrialRecordSchema),
    );
  }

  getCampaign(id: string): Promise<CampaignOverview> {
    return this.call('GET', `/api/campaigns/${encodeURIComponent(id)}`, CampaignOverviewSchema);
  }

  private async result(id: string): Promise<CampaignReport> {
    // Wait for the end through the event stream (no polling), then read the report.
    for await (const _event of this.events(id)) {
      // The stream ends when the campaign has ended.
    }
    const overview = await this.getCampaign(id);
    try {
      return await this.call(
        'GET',
        `/api/campaigns/${encodeURIComponent(id)}/report`,
        ReportSchema,
      );
    } catch (error) {
      if (error instanceof LgtApiError && error.body.error === 'no-report') {
        throw new CampaignEndedWithoutReport(id, overview.campaign.status, overview.campaign.error);
      }
      throw error;
    }
  }

  /**
   * The campaign's events over Server-Sent Events; a dropped connection is reopened with the
   * last id seen (Last-Event-ID), so nothing is missed or repeated. Ends when the campaign ends.
   */
  private async *events(id: string, opts: EventsOptions = {}): AsyncGenerator<LoggedEvent> {
    let last = opts.after;
    for (;;) {
      if (opts.signal?.aborted) return;
      let ended = false;
      try {
        const res = await fetch(`${this.base}/api/campaigns/${encodeURIComponent(id)}/events`, {
          headers: {
            accept: 'text/event-stream',
            ...this.authorization(),
            ...(last ? { 'last-event-id': last } : {}),
          },
          ...(opts.signal ? { signal: opts.signal } : {}),
        });
        if (!res.ok) throw await this.failure(res);
        for await (const message of serverSentEvents(res.body!)) {
          if (message.event === 'end') {
            ended = true;
            break;
          }
          if (message.event !== 'message') continue;
          // Checked as every answer is: an event that is not one is an error, not a reconnect.
          const event = LoggedEventSchema.parse(JSON.parse(message.data));
          last = message.id ?? event.id;
          yield event;
        }
      } catch (error) {
        if (
          error instanceof LgtApiError ||
          error instanceof z.ZodError ||
          error instanceof SyntaxError ||
          opts.signal?.aborted
        )
          throw error;
        // The connection dropped (server restart, network): reconnect after a pause.
      }
      if (ended) return;
      const record = await this.call(
        'GET',
        `/api/campaigns/${encodeURIComponent(id)}`,
        CampaignOverviewSchema,
      ).catch(() => null);
      if (record && FINISHED_CAMPAIGN.includes(record.campaign.status)) {
        // Ended while we were away: what is left of the log, then done.
        const rest = await this.call(
          'GET',
          `/api/campaigns/${encodeURIComponent(id)}/events?follow=false${last ? `&after=${last}` : ''}`,
          z.array(LoggedEventSchema),
        );
        yield* rest;
        return;
      }
      await new Promise((r) => setTimeout(r, this.options.reconnectMs ?? 1000));
    }
  }

  private authorization(): Record<string, string> {
    return this.options.token ? { authorization: `Bearer ${this.options.token}` } : {};
  }

  private async call<T>(
    method: string,
    path: string,
    schema: z.ZodType<T>,
    body?: unknown,
  ): Promise<T> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        ...this.authorization(),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    if (!res.ok) throw await this.failure(res);
    return schema.parse(await res.json());
  }

  private async failure(res: Response): Promise<LgtApiError> {
    const text = await res.text();
    let body: ApiError;
    try {
      body = ApiErrorSchema.parse(JSON.parse(text));
    } catch {
      body = { error: 'http', message: text.slice(0, 500) || res.statusText };
    }
    return new LgtApiError(res.status, body);
  }
}

interface SseMessage {
  event: string;
  data: string;
  id?: string;
}

/** Parses a text/event-stream body into messages (the parts of the format lgt serve writes). */
async function* serverSentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const message: SseMessage = { event: 'message', data: '' };
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') message.event = value;
        else if (field === 'data') data.push(value);
        else if (field === 'id') message.id = value;
      }
      if (data.length === 0) continue;
      message.data = data.join('\n');
      yield message;
    }
  }
}
