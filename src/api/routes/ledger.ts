import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { WritError } from '../../errors/index.ts';
import { consistencyProof, exportLedger, inclusionProof, LedgerVerificationError, verifierKey, verifyStore } from '../../ledger/index.ts';
import { listEntries } from '../read-models/ledger-query.ts';
import { addRoute } from '../route-kit.ts';
import type { RouteContext } from '../route-context.ts';
import { consistencyProofView, inclusionProofView, ledgerEntryView, limit } from '../schemas.ts';

const seq = z.coerce.number().int().min(0);

export function register(server: FastifyInstance, ctx: RouteContext): void {
  const { app, kit } = ctx;
  const tags = ['ledger'];
  let verifying: Promise<unknown> | undefined;

  addRoute(server, kit, {
    method: 'GET',
    url: '/api/v1/ledger/entries',
    action: 'ledger.read',
    summary: 'Ledger entries in order, paged (`after` is the last seq you have), filtered by kind or subject',
    tags,
    query: z.strictObject({
      after: z.coerce.number().int().min(-1).optional(),
      limit: limit(1000, 100),
      order: z.enum(['asc', 'desc']).default('asc'),
      kind: z.string().max(100).optional(),
      case: z.string().max(200).optional(),
      action: z.string().max(200).optional(),
      campaign: z.string().max(200).optional(),
      identity: z.string().max(200).optional(),
    }),
    response: z.object({ items: z.array(ledgerEntryView), next: z.number().nullable() }),
    handle: async ({ query }) =>
      listEntries(app.store.db, {
        limit: query.limit,
        order: query.order,
        ...(query.after === undefined ? {} : { after: query.after }),
        ...(query.kind ? { kind: query.kind } : {}),
        ...(query.case ? { caseId: query.case } : {}),
        ...(query.action ? { actionId: query.action } : {}),
        ...(query.campaign ? { campaignId: query.campaign } : {}),
        ...(query.identity ? { identityId: query.identity } : {}),
      }),
  });

  addRoute(server, kit, {
    method: 'GET',
    url: '/api/v1/ledger/entries/:seq',
    action: 'ledger.read',
    summary: 'One entry, with its canonical bytes (base64) exactly as hashed into its leaf',
    tags,
    params: z.strictObject({ seq }),
    response: ledgerEntryView.extend({ canonical: z.string() }),
    handle: async ({ params }) => {
      const row = await app.store.db.selectFrom('ledger_entries').select(['body', 'leaf_hash']).where('seq', '=', params.seq).executeTakeFirst();
      if (!row) throw new WritError('WRIT_NOT_FOUND', `no ledger entry with seq ${params.seq}`);
      return { ...(JSON.parse(row.body) as z.input<typeof ledgerEntryView>), leafHash: row.leaf_hash, canonical: Buffer.from(row.body, 'utf8').toString('base64') };
    },
  });

  addRoute(server, kit, {
    method: 'GET',
    url: '/api/v1/ledger/checkpoints',
    action: 'ledger.read',
    summary: 'Signed checkpoints (C2SP signed notes), newest first, and the verifier key',
    tags,
    query: z.strictObject({ limit: limit(1000, 20), before: z.coerce.number().int().min(1).optional() }),
    response: z.object({ verifierKey: z.string(), treeSize: z.number(), items: z.array(z.object({ treeSize: z.number(), rootHash: z.string(), note: z.string(), createdAt: z.number() })) }),
    handle: async ({ query }) => {
      let q = app.store.db.selectFrom('ledger_checkpoints').selectAll();
      if (query.before !== undefined) q = q.where('tree_size', '<', query.before);
      const rows = await q.orderBy('tree_size', 'desc').limit(query.limit).execute();
      return {
        verifierKey: verifierKey(app.ledger.origin, app.ledger.publicKey),
        treeSize: (await app.ledger.head()).size,
        items: rows.map((r) => ({ treeSize: r.tree_size, rootHash: r.root_hash, note: r.note, createdAt: r.created_at })),
      };
    },
  });

  addRoute(server, kit, {
    method: 'POST',
    url: '/api/v1/ledger/checkpoints',
    action: 'ledger.checkpoint',
    summary: 'Sign a checkpoint for the current head now',
    tags,
    status: 201,
    response: z.object({ treeSize: z.number(), rootHash: z.string(), note: z.string() }).nullable(),
    handle: async () => {
      const cp = await app.ledger.checkpoint();
      return cp ? { treeSize: cp.treeSize, rootHash: cp.rootHash.toString('hex'), note: cp.note } : null;
    },
  });

  addRoute(server, kit, {
    method: 'GET',
    url: '/api/v1/ledger/key',
    action: 'ledger.read',
    summary: 'The verifier key (`name+hash+base64`) for checkpoints and proofs',
    tags,
    response: z.object({ verifierKey: z.string(), origin: z.string() }),
    handle: async () => ({ verifierKey: verifierKey(app.ledger.origin, app.ledger.publicKey), origin: app.ledger.origin }),
  });

  addRoute(server, kit, {
    method: 'GET',
    url: '/api/v1/ledger/proofs/inclusion',
    action: 'ledger.read',
    summary: 'RFC 9162 inclusion proof of entry `seq` in the tree of `size` leaves (default: the head), with its signed checkpoint',
    tags,
    query: z.strictObject({ seq, size: z.coerce.number().int().min(1).optional() }),
    response: inclusionProofView,
    handle: async ({ query }) => {
      const head = await app.ledger.head();
      const size = query.size ?? head.size;
      if (size === head.size) await app.ledger.checkpoint();
      return inclusionProof(app.ledger, query.seq, size);
    },
  });

  addRoute(server, kit, {
    method: 'GET',
    url: '/api/v1/ledger/proofs/consistency',
    action: 'ledger.read',
    summary: 'RFC 9162 consistency proof between two tree sizes',
    tags,
    query: z.strictObject({ old: z.coerce.number().int().min(1), new: z.coerce.number().int().min(1) }),
    response: consistencyProofView,
    handle: async ({ query }) => consistencyProof(app.ledger, query.old, query.new),
  });

  addRoute(server, kit, {
    method: 'GET',
    url: '/api/v1/ledger/verify',
    action: 'ledger.verify',
    summary: 'Recompute every leaf and root and check every checkpoint; names the first bad seq',
    tags,
    rateLimit: { max: 10, timeWindow: 60_000 },
    response: z.object({ ok: z.boolean(), entries: z.number().optional(), root: z.string().optional(), checkpoints: z.number().optional(), verifiedSize: z.number().optional(), firstBadSeq: z.number().optional(), reason: z.string().optional() }),
    handle: async () => {
      // One verification at a time per process: it reads the whole ledger.
      while (verifying) await verifying.catch(() => undefined);
      const run = verifyStore(app.store, verifierKey(app.ledger.origin, app.ledger.publicKey));
      verifying = run;
      try {
        const report = await run;
        return { ok: true, ...report };
      } catch (error) {
        if (error instanceof LedgerVerificationError) return { ok: false, firstBadSeq: error.firstBadSeq, reason: error.message };
        throw error;
      } finally {
        verifying = undefined;
      }
    },
  });

  addRoute(server, kit, {
    method: 'GET',
    url: '/api/v1/ledger/export',
    action: 'ledger.export',
    summary: 'The whole ledger as JSON Lines (entries exactly as hashed, checkpoint lines after the entries they sign)',
    tags,
    rateLimit: { max: 5, timeWindow: 60_000 },
    response: z.string().describe('application/jsonl'),
    handle: async ({ reply }) => {
      const dir = mkdtempSync(join(tmpdir(), 'writ-export-'));
      const file = join(dir, 'ledger.jsonl');
      await exportLedger(app.store, app.ledger, file);
      const stream = createReadStream(file);
      stream.on('close', () => rmSync(dir, { recursive: true, force: true }));
      return reply.type('application/jsonl').header('content-disposition', 'attachment; filename="writ-ledger.jsonl"').send(stream) as never;
    },
  });

  addRoute(server, kit, {
    method: 'POST',
    url: '/api/v1/ledger/notes',
    action: 'ledger.note',
    summary: "Record an operator's annotation in the ledger",
    tags,
    status: 201,
    body: z.strictObject({ text: z.string().trim().min(1).max(4000), caseId: z.string().min(1).max(200).optional() }),
    response: ledgerEntryView,
    handle: async ({ body, caller }) => {
      if (body.caseId) await app.kernel.cases.get(body.caseId);
      const [entry] = await app.ledger.appendNow([{ kind: 'operator.note', actor: caller.actor, subjects: { case: body.caseId }, payload: { text: body.text } }]);
      const row = await app.store.db.selectFrom('ledger_entries').select('leaf_hash').where('seq', '=', entry!.seq).executeTakeFirstOrThrow();
      return { ...entry!, leafHash: row.leaf_hash };
    },
  });
}
