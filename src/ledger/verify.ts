import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { WritError } from '../errors/index.ts';
import type { Store } from '../store/index.ts';
import { canonicalize } from './canonical-json.ts';
import { verifyCheckpoint } from './checkpoint.ts';
import { Frontier, leafHash } from './merkle.ts';

export interface VerifyReport {
  entries: number;
  root: string;
  checkpoints: number;
  /** Tree size of the last verified checkpoint; entries beyond it await a signature. */
  verifiedSize: number;
}

/** A verification failure: names the first sequence number that cannot be trusted. */
export class LedgerVerificationError extends WritError {
  readonly firstBadSeq: number;
  constructor(firstBadSeq: number, reason: string) {
    super('WRIT_LEDGER_INVALID', `first bad seq ${firstBadSeq}: ${reason}`, { details: { first_bad_seq: firstBadSeq } });
    this.firstBadSeq = firstBadSeq;
  }
}

/**
 * Recomputes the tree leaf by leaf and checks each signed checkpoint when the stream
 * reaches its size. Failures name the first bad seq: exactly, when the entry itself
 * betrays it (a gap, a reordering, a non-canonical or re-hashed body); otherwise the first
 * entry after the last checkpoint that still verified.
 */
class StreamingVerifier {
  private readonly frontier = new Frontier();
  private checkpoints = 0;
  private verifiedSize = 0;

  constructor(private readonly verifierKey: string) {}

  get size(): number {
    return this.frontier.size;
  }

  /**
   * Checks one entry. Offline (`strict`), the entry must be canonical JSON claiming the next
   * seq. In the database the stored leaf hash is compared instead, which catches the same
   * tampering faster; a body re-hashed to match is caught by the next signed checkpoint.
   */
  entry(body: string, storedLeafHex?: string): void {
    const seq = this.frontier.size;
    const claimed = storedLeafHex === undefined ? this.strictSeq(body, seq) : fastSeq(body);
    if (claimed !== seq) {
      throw new LedgerVerificationError(seq, `expected the entry with seq ${seq}, found ${JSON.stringify(claimed)} (missing or reordered entries)`);
    }
    const leaf = leafHash(Buffer.from(body, 'utf8'));
    if (storedLeafHex !== undefined && leaf.toString('hex') !== storedLeafHex) {
      throw new LedgerVerificationError(seq, 'the entry does not match its recorded leaf hash (modified)');
    }
    this.frontier.push(leaf);
  }

  private strictSeq(body: string, seq: number): unknown {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new LedgerVerificationError(seq, 'the entry is not valid JSON');
    }
    if (canonicalize(parsed) !== body) {
      throw new LedgerVerificationError(seq, 'the entry is not in RFC 8785 canonical form (modified)');
    }
    return (parsed as { seq?: unknown } | null)?.seq;
  }

  checkpoint(note: string): void {
    let checked: { origin: string; size: number; rootHash: Buffer };
    try {
      checked = verifyCheckpoint(note, this.verifierKey);
    } catch (error) {
      const size = safeSize(note);
      throw new LedgerVerificationError(size ?? this.frontier.size, `checkpoint${size === undefined ? '' : ` at tree size ${size}`} is forged or malformed: ${(error as Error).message}`);
    }
    if (checked.size !== this.frontier.size) {
      throw new LedgerVerificationError(Math.min(checked.size, this.frontier.size), `a checkpoint for tree size ${checked.size} appears after ${this.frontier.size} entries (missing or extra entries)`);
    }
    if (!checked.rootHash.equals(this.frontier.root())) {
      throw new LedgerVerificationError(
        this.verifiedSize,
        `entries ${this.verifiedSize}..${checked.size - 1} do not match the signed checkpoint at tree size ${checked.size} (modified, missing or reordered entries)`,
      );
    }
    this.checkpoints += 1;
    this.verifiedSize = checked.size;
  }

  /**
   * In a live database the newest entries may await the next timed checkpoint: they are
   * checked entry by entry and reported as unsigned. An export must be fully covered.
   */
  finish(requireCovered: boolean): VerifyReport {
    if (requireCovered && this.verifiedSize < this.frontier.size) {
      throw new LedgerVerificationError(this.verifiedSize, `entries ${this.verifiedSize}..${this.frontier.size - 1} are not covered by any signed checkpoint`);
    }
    return { entries: this.frontier.size, root: this.frontier.root().toString('base64'), checkpoints: this.checkpoints, verifiedSize: this.verifiedSize };
  }
}

/**
 * The top-level seq of a canonical entry without parsing it: keys are sorted, so the top
 * level "seq" is the last `"seq":` in the text (after the payload, before subjects and
 * time, whose values are strings and cannot contain an unescaped quote).
 */
function fastSeq(body: string): number | undefined {
  const at = body.lastIndexOf('"seq":');
  if (at < 0) return undefined;
  let end = at + 6;
  while (end < body.length && body.charCodeAt(end) >= 48 && body.charCodeAt(end) <= 57) end += 1;
  return end === at + 6 ? undefined : Number(body.slice(at + 6, end));
}

function safeSize(note: string): number | undefined {
  const line = note.split('\n')[1];
  return line !== undefined && /^\d+$/.test(line) ? Number(line) : undefined;
}

const PAGE = 5000;

/**
 * Verifies the ledger in a database: every leaf recomputed, every checkpoint's signature
 * and root checked in order, and the head agreeing with the entries. It never signs:
 * signing the head before checking it could bless a tampered tail.
 */
export async function verifyStore(store: Store, verifierKey: string): Promise<VerifyReport> {
  const verifier = new StreamingVerifier(verifierKey);
  const checkpoints = await store.db.selectFrom('ledger_checkpoints').select(['tree_size', 'note']).orderBy('tree_size').execute();
  let nextCheckpoint = 0;
  const flushCheckpoints = () => {
    while (nextCheckpoint < checkpoints.length && checkpoints[nextCheckpoint]!.tree_size === verifier.size) {
      verifier.checkpoint(checkpoints[nextCheckpoint]!.note);
      nextCheckpoint += 1;
    }
  };
  let from = 0;
  for (;;) {
    const rows = await store.db
      .selectFrom('ledger_entries')
      .select(['seq', 'body', 'leaf_hash'])
      .where('seq', '>=', from)
      .orderBy('seq')
      .limit(PAGE)
      .execute();
    for (const row of rows) {
      if (row.seq !== verifier.size) {
        throw new LedgerVerificationError(verifier.size, `entry ${verifier.size} is missing (the next stored entry is ${row.seq})`);
      }
      verifier.entry(row.body, row.leaf_hash);
      flushCheckpoints();
    }
    if (rows.length < PAGE) break;
    from = rows[rows.length - 1]!.seq + 1;
  }
  const pending = checkpoints[nextCheckpoint];
  if (pending) {
    throw new LedgerVerificationError(verifier.size, `a signed checkpoint covers ${pending.tree_size} entries but only ${verifier.size} exist (entries deleted)`);
  }
  const head = await store.db.selectFrom('ledger_head').select(['size', 'frontier']).where('id', '=', 1).executeTakeFirstOrThrow();
  if (head.size !== verifier.size) {
    throw new LedgerVerificationError(Math.min(head.size, verifier.size), `the ledger head records ${head.size} entries but ${verifier.size} exist`);
  }
  const report = verifier.finish(false);
  const headRoot = Frontier.fromJSON(head.size, JSON.parse(head.frontier) as string[]).root().toString('base64');
  if (headRoot !== report.root) {
    throw new LedgerVerificationError(report.verifiedSize, `the ledger head's root does not match the entries after seq ${report.verifiedSize - 1}`);
  }
  return report;
}

/**
 * Verifies an export file with no database at all: every entry line must be canonical
 * JSON with the next seq, and every checkpoint line must be signed by `verifierKey` and
 * match the tree recomputed so far. A truncated last line is reported as such.
 */
export async function verifyExportFile(path: string, verifierKey: string): Promise<VerifyReport> {
  const verifier = new StreamingVerifier(verifierKey);
  const stream = createReadStream(path);
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (error) => reject(new WritError('WRIT_EXPORT_INVALID', `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error.message}`)));
  });
  await opened;
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let lineNo = 0;
  let previous: string | undefined;
  const handle = (line: string, isLast: boolean) => {
    lineNo += 1;
    if (line.startsWith('{"checkpoint":')) {
      let note: unknown;
      try {
        note = (JSON.parse(line) as { checkpoint?: unknown }).checkpoint;
      } catch {
        throw truncatedOrBad(isLast, lineNo, verifier.size);
      }
      if (typeof note !== 'string') throw new WritError('WRIT_EXPORT_INVALID', `line ${lineNo}: a checkpoint line must hold a signed note string`);
      verifier.checkpoint(note);
      return;
    }
    try {
      JSON.parse(line);
    } catch {
      throw truncatedOrBad(isLast, lineNo, verifier.size);
    }
    verifier.entry(line);
  };
  // Look one line ahead so the last line can be told apart (truncation shows there).
  for await (const line of lines) {
    if (previous !== undefined) handle(previous, false);
    previous = line;
  }
  if (previous !== undefined && previous !== '') handle(previous, true);
  return verifier.finish(true);
}

function truncatedOrBad(isLast: boolean, lineNo: number, seq: number): WritError {
  return isLast
    ? new WritError('WRIT_EXPORT_INVALID', `the export is truncated: its last line (${lineNo}, seq ${seq}) is incomplete JSON`, { details: { first_bad_seq: seq } })
    : new LedgerVerificationError(seq, `line ${lineNo} is not valid JSON`);
}
