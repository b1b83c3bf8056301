import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Store } from '../store/index.ts';

export interface EventHubOptions {
  /** How often the ledger head is polled while anyone listens (default 500 ms). */
  pollMs?: number;
  /** Live streams one process serves at most (default 200). */
  maxClients?: number;
  /** A stream is closed after this long; the browser reconnects with Last-Event-ID (default 10 min). */
  maxStreamMs?: number;
  heartbeatMs?: number;
}

interface Client {
  reply: FastifyReply;
  timer: NodeJS.Timeout;
  heartbeat: NodeJS.Timeout;
}

/** A 429 for the problem mapper: too many live streams. */
class TooManyStreams extends Error {
  readonly statusCode = 429;
}

const BACKLOG = 500;

/**
 * Server-sent events for live updates: one poller follows the ledger head and pushes each
 * new entry's kind and subjects (never its payload) to every open stream. Streams are
 * bounded in number and lifetime, resume from `Last-Event-ID`, and end cleanly on shutdown.
 */
export class EventHub {
  readonly #clients = new Set<Client>();
  readonly #options: Required<EventHubOptions>;
  #last: number | undefined;
  #poller: NodeJS.Timeout | undefined;
  #polling = false;

  constructor(
    private readonly store: Store,
    options: EventHubOptions = {},
  ) {
    const { pollMs = 500, maxClients = 200, maxStreamMs = 10 * 60_000, heartbeatMs = 15_000 } = options;
    this.#options = { pollMs, maxClients, maxStreamMs, heartbeatMs };
  }

  get clients(): number {
    return this.#clients.size;
  }

  async open(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (this.#clients.size >= this.#options.maxClients) throw new TooManyStreams('too many live event streams');
    if (this.#last === undefined) this.#last = await this.head();
    const resumeText = request.headers['last-event-id'];
    const resume = typeof resumeText === 'string' && /^\d{1,15}$/.test(resumeText) ? Number(resumeText) : undefined;
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-content-type-options': 'nosniff',
      'x-accel-buffering': 'no',
    });
    reply.raw.write(`retry: 3000\nevent: ready\ndata: ${JSON.stringify({ head: this.#last })}\n\n`);
    if (resume !== undefined && resume < this.#last) {
      const rows = await this.entries(Math.max(resume, this.#last - BACKLOG), this.#last);
      for (const row of rows) reply.raw.write(format(row));
    }
    const client: Client = {
      reply,
      timer: setTimeout(() => this.end(client, true), this.#options.maxStreamMs),
      heartbeat: setInterval(() => reply.raw.write(': keep-alive\n\n'), this.#options.heartbeatMs),
    };
    client.timer.unref();
    client.heartbeat.unref();
    this.#clients.add(client);
    request.raw.on('close', () => this.end(client, false));
    this.ensurePolling();
  }

  /** Ends every stream (server shutdown). */
  close(): void {
    for (const client of [...this.#clients]) this.end(client, true);
    if (this.#poller) clearInterval(this.#poller);
    this.#poller = undefined;
  }

  private end(client: Client, say: boolean): void {
    if (!this.#clients.delete(client)) return;
    clearTimeout(client.timer);
    clearInterval(client.heartbeat);
    if (say && !client.reply.raw.destroyed) client.reply.raw.end('event: bye\ndata: {}\n\n');
    else client.reply.raw.end();
    if (this.#clients.size === 0 && this.#poller) {
      clearInterval(this.#poller);
      this.#poller = undefined;
      this.#last = undefined; // the next listener starts from the head then, not from here
    }
  }

  private ensurePolling(): void {
    if (this.#poller) return;
    this.#poller = setInterval(() => void this.poll(), this.#options.pollMs);
    this.#poller.unref();
  }

  private async poll(): Promise<void> {
    if (this.#polling || this.#clients.size === 0) return;
    this.#polling = true;
    try {
      const from = this.#last ?? (await this.head());
      const rows = await this.entries(from, from + BACKLOG);
      if (rows.length === 0) return;
      this.#last = rows[rows.length - 1]!.seq + 1;
      const text = rows.map(format).join('');
      for (const client of this.#clients) client.reply.raw.write(text);
    } catch {
      // The next tick tries again; a database hiccup must not end the streams.
    } finally {
      this.#polling = false;
    }
  }

  private async head(): Promise<number> {
    const row = await this.store.db.selectFrom('ledger_head').select('size').where('id', '=', 1).executeTakeFirstOrThrow();
    return row.size;
  }

  /** Entries with seq in [from, to). */
  private entries(from: number, to: number) {
    return this.store.db
      .selectFrom('ledger_entries')
      .select(['seq', 'time', 'kind', 'actor', 'case_id', 'campaign_id', 'identity_id', 'action_id'])
      .where('seq', '>=', from)
      .where('seq', '<', to)
      .orderBy('seq')
      .execute();
  }
}

function format(row: { seq: number; time: string; kind: string; actor: string; case_id: string | null; campaign_id: string | null; identity_id: string | null; action_id: string | null }): string {
  const data = { seq: row.seq, time: row.time, kind: row.kind, actor: row.actor, case: row.case_id, campaign: row.campaign_id, identity: row.identity_id, action: row.action_id };
  // Last-Event-ID is the next seq to send, so a resumed stream starts right after this entry.
  return `id: ${row.seq + 1}\nevent: ledger\ndata: ${JSON.stringify(data)}\n\n`;
}
