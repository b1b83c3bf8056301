import type { KeyObject } from 'node:crypto';
import { WritError } from '../errors/index.ts';
import type { Redactor } from '../secrets/index.ts';
import type { Db, Store } from '../store/index.ts';
import { canonicalize } from './canonical-json.ts';
import { checkpointBody, signNote } from './checkpoint.ts';
import { cleanSubjects, type LedgerEntry, type LedgerEntryInput } from './entry.ts';
import { Frontier, leafHash, rootFromNodes } from './merkle.ts';

export interface LedgerSigner {
  name: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface LedgerOptions {
  /** The checkpoint origin line, which is also the signing key's name. */
  origin: string;
  signer: LedgerSigner;
  redactor: Redactor;
  /** Sign a checkpoint at most this often while appends happen; 0 signs after every append. */
  checkpointIntervalMs: number;
  now?: () => Date;
}

export interface Checkpoint {
  treeSize: number;
  rootHash: Buffer;
  note: string;
}

/** SQLite caps bound parameters per statement; entries carry 10 columns. */
const INSERT_CHUNK = 400;

/**
 * The append-only, tamper-evident record. Entries are RFC 8785 canonical JSON, the
 * leaves of an RFC 9162 Merkle tree; completed interior nodes are stored so proofs
 * need O(log n) reads; signed checkpoints (C2SP signed notes) commit to the root.
 *
 * Appends lock the single head row, so appends from many processes sharing one
 * PostgreSQL are totally ordered with no gaps and no forks; a rolled-back transaction
 * consumes no sequence number.
 */
export class Ledger {
  readonly origin: string;
  readonly publicKey: KeyObject;
  private readonly signer: LedgerSigner;
  private readonly redactor: Redactor;
  private readonly checkpointIntervalMs: number;
  private readonly now: () => Date;
  private lastCheckpointAt = 0;

  constructor(
    private readonly store: Store,
    options: LedgerOptions,
  ) {
    this.origin = options.origin;
    this.signer = options.signer;
    this.publicKey = options.signer.publicKey;
    this.redactor = options.redactor;
    this.checkpointIntervalMs = options.checkpointIntervalMs;
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Appends within the caller's transaction, so a state change and its record commit
   * or roll back together. Call `afterCommit()` once the transaction has committed.
   */
  async append(trx: Db, inputs: readonly LedgerEntryInput[]): Promise<LedgerEntry[]> {
    if (inputs.length === 0) return [];
    const head = await this.lockHead(trx);
    const frontier = Frontier.fromJSON(head.size, JSON.parse(head.frontier) as string[]);
    const time = this.now().toISOString();
    const entries: LedgerEntry[] = [];
    const rows: Array<Record<string, unknown>> = [];
    const nodes: Array<{ level: number; idx: number; hash: string }> = [];
    for (const input of inputs) {
      const entry = this.buildEntry(frontier.size, time, input);
      const body = canonicalize(entry);
      const leaf = leafHash(Buffer.from(body, 'utf8'));
      for (const node of frontier.push(leaf)) nodes.push({ level: node.level, idx: node.index, hash: node.hash.toString('hex') });
      entries.push(entry);
      rows.push({
        seq: entry.seq,
        time: entry.time,
        kind: entry.kind,
        actor: entry.actor,
        case_id: entry.subjects.case ?? null,
        campaign_id: entry.subjects.campaign ?? null,
        identity_id: entry.subjects.identity ?? null,
        action_id: entry.subjects.action ?? null,
        body,
        leaf_hash: leaf.toString('hex'),
      });
    }
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      await trx.insertInto('ledger_entries').values(rows.slice(i, i + INSERT_CHUNK) as never).execute();
    }
    for (let i = 0; i < nodes.length; i += INSERT_CHUNK * 3) {
      await trx.insertInto('ledger_nodes').values(nodes.slice(i, i + INSERT_CHUNK * 3)).execute();
    }
    await trx
      .updateTable('ledger_head')
      .set({ size: frontier.size, frontier: JSON.stringify(frontier.toJSON()), updated_at: Date.now() })
      .where('id', '=', 1)
      .execute();
    return entries;
  }

  /** Appends in a transaction of its own and checkpoints when the interval has passed. */
  async appendNow(inputs: readonly LedgerEntryInput[]): Promise<LedgerEntry[]> {
    const entries = await this.store.transaction((trx) => this.append(trx, inputs));
    await this.afterCommit();
    return entries;
  }

  /** Signs a checkpoint if the configured interval has passed since the last one. */
  async afterCommit(): Promise<void> {
    if (Date.now() - this.lastCheckpointAt >= this.checkpointIntervalMs) await this.checkpoint();
  }

  /** Signs and stores a checkpoint for the current head (if it has none yet). */
  async checkpoint(): Promise<Checkpoint | undefined> {
    this.lastCheckpointAt = Date.now();
    const head = await this.head();
    if (head.size === 0) return undefined;
    return this.checkpointFor(head.size);
  }

  /** A checkpoint for `size`, signing one (from the stored tree) if none exists. */
  async checkpointFor(size: number): Promise<Checkpoint> {
    const existing = await this.store.db
      .selectFrom('ledger_checkpoints')
      .selectAll()
      .where('tree_size', '=', size)
      .executeTakeFirst();
    if (existing) return { treeSize: existing.tree_size, rootHash: Buffer.from(existing.root_hash, 'hex'), note: existing.note };
    const head = await this.head();
    if (size < 1 || size > head.size) {
      throw new WritError('WRIT_LEDGER_RANGE', `tree size ${size} is outside the ledger (1..${head.size})`);
    }
    const root = size === head.size ? head.root : await this.rootAt(size);
    return this.checkpointAt(size, root);
  }

  async latestCheckpoint(): Promise<Checkpoint | undefined> {
    const row = await this.store.db
      .selectFrom('ledger_checkpoints')
      .selectAll()
      .orderBy('tree_size', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && { treeSize: row.tree_size, rootHash: Buffer.from(row.root_hash, 'hex'), note: row.note };
  }

  async head(): Promise<{ size: number; root: Buffer }> {
    const row = await this.store.db.selectFrom('ledger_head').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
    const frontier = Frontier.fromJSON(row.size, JSON.parse(row.frontier) as string[]);
    return { size: row.size, root: frontier.root() };
  }

  /** Closes the ledger's session: the head gets a checkpoint so nothing is left unsigned. */
  async close(): Promise<void> {
    await this.checkpoint();
  }

  /** Hash of the stored perfect subtree (level 0: a leaf), for proofs. */
  async nodes(keys: ReadonlyArray<{ level: number; index: number }>): Promise<Map<string, Buffer>> {
    const found = new Map<string, Buffer>();
    const leaves = keys.filter((k) => k.level === 0).map((k) => k.index);
    const inner = keys.filter((k) => k.level > 0);
    if (leaves.length > 0) {
      const rows = await this.store.db.selectFrom('ledger_entries').select(['seq', 'leaf_hash']).where('seq', 'in', leaves).execute();
      for (const r of rows) found.set(nodeKey(0, r.seq), Buffer.from(r.leaf_hash, 'hex'));
    }
    if (inner.length > 0) {
      const rows = await this.store.db
        .selectFrom('ledger_nodes')
        .select(['level', 'idx', 'hash'])
        .where((eb) => eb.or(inner.map((k) => eb.and([eb('level', '=', k.level), eb('idx', '=', k.index)]))))
        .execute();
      for (const r of rows) found.set(nodeKey(r.level, r.idx), Buffer.from(r.hash, 'hex'));
    }
    return found;
  }

  /** The canonical bytes of one entry, exactly as hashed into its leaf. */
  async entryBody(seq: number): Promise<string> {
    const row = await this.store.db.selectFrom('ledger_entries').select('body').where('seq', '=', seq).executeTakeFirst();
    if (!row) throw new WritError('WRIT_LEDGER_RANGE', `no ledger entry with seq ${seq}`);
    return row.body;
  }

  async rootAt(size: number): Promise<Buffer> {
    const keys = perfectSubtrees(size);
    const found = await this.nodes(keys);
    return rootFromNodes(size, (k) => requireNode(found, k.level, k.index));
  }

  private async checkpointAt(size: number, root: Buffer): Promise<Checkpoint> {
    const note = signNote(checkpointBody(this.origin, size, root), { name: this.signer.name, privateKey: this.signer.privateKey });
    await this.store.db
      .insertInto('ledger_checkpoints')
      .values({ tree_size: size, root_hash: root.toString('hex'), note, created_at: Date.now() })
      .onConflict((oc) => oc.column('tree_size').doNothing())
      .execute();
    // Another process may have signed the same size first; the stored one is the record.
    const stored = await this.store.db
      .selectFrom('ledger_checkpoints')
      .selectAll()
      .where('tree_size', '=', size)
      .executeTakeFirstOrThrow();
    return { treeSize: size, rootHash: Buffer.from(stored.root_hash, 'hex'), note: stored.note };
  }

  private async lockHead(trx: Db) {
    const query = trx.selectFrom('ledger_head').selectAll().where('id', '=', 1);
    const row = await (this.store.engine === 'postgres' ? query.forUpdate() : query).executeTakeFirst();
    if (!row) throw new WritError('WRIT_STORE_CORRUPT', 'the ledger head is missing');
    return row;
  }

  private buildEntry(seq: number, time: string, input: LedgerEntryInput): LedgerEntry {
    if (!input.kind || !/^[a-z][a-z0-9_.-]*$/.test(input.kind)) {
      throw new WritError('WRIT_INPUT_INVALID', `ledger entry kind "${input.kind}" must be lower-case words separated by dots`);
    }
    if (!input.actor) throw new WritError('WRIT_INPUT_INVALID', 'a ledger entry needs an actor');
    return {
      seq,
      time,
      kind: input.kind,
      actor: input.actor,
      subjects: cleanSubjects(input.subjects),
      payload: this.redactor.redact(input.payload ?? {}),
    };
  }
}

export function nodeKey(level: number, index: number): string {
  return `${level}:${index}`;
}

export function requireNode(found: Map<string, Buffer>, level: number, index: number): Buffer {
  const hash = found.get(nodeKey(level, index));
  if (!hash) {
    throw new WritError('WRIT_LEDGER_INVALID', `the stored Merkle tree lacks node level ${level} index ${index}`);
  }
  return hash;
}

/** The perfect subtrees whose roots, left to right, make up a tree of `size` leaves. */
export function perfectSubtrees(size: number): Array<{ level: number; index: number }> {
  const out: Array<{ level: number; index: number }> = [];
  let start = 0;
  for (let level = Math.floor(Math.log2(Math.max(size, 1))); level >= 0; level--) {
    const width = 2 ** level;
    if (size - start >= width) {
      out.push({ level, index: start / width });
      start += width;
    }
  }
  return out;
}
