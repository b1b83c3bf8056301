/**
 * The contract every mail connector implements (Maildir, IMAP, later Graph): plain mail
 * operations with idempotency. The governance kernel wraps them with grant checks; nothing
 * here knows about policy.
 *
 * Naming: a *mailbox* is a user's store (`alice@example.test`); a *folder* is a folder in
 * it (`INBOX`, `Archive`), named the way the system names it.
 */
import type { WritError } from '../../errors/index.ts';

/**
 * What to look for. Every given field must match (AND). At least one is required, so an
 * empty object can never select every message of every mailbox.
 *
 * Text fields match case-insensitively as substrings of the decoded value, which is
 * IMAP SEARCH's meaning, so both connectors find the same messages.
 */
export interface MessageCriteria {
  /** The exact Message-ID, with or without angle brackets. */
  messageId?: string;
  /** Part of the From header: the address or the display name. */
  from?: string;
  /** Part of the Subject. */
  subject?: string;
  /** Header name → part of that header's value. */
  headers?: Readonly<Record<string, string>>;
  /** Part of the decoded body text. */
  body?: string;
  /**
   * A predicate over the raw message, applied after the fields above, for indicators no
   * server can search for (URL domains, attachment hashes). On IMAP each candidate is
   * downloaded to apply it, so combine it with a field that narrows the search.
   */
  matches?: (raw: Buffer) => boolean;
}

export interface SearchOptions {
  /** Only these mailboxes; default every mailbox the system knows. */
  mailboxes?: readonly string[];
}

/** Where a message is. `locator` is the system's own reference, stable while the message stays in that folder. */
export interface MessageRef {
  mailbox: string;
  folder: string;
  locator: string;
  /** Normalised to `<id>`; null when the message has none. */
  messageId: string | null;
}

export interface MessageHit extends MessageRef {
  /** The first From address, lower-cased; empty when there is none. */
  from: string;
  subject: string;
  size: number;
}

/** Proof of one quarantine, enough to restore it. Re-running the same quarantine returns an equal record. */
export interface QuarantineRecord {
  idempotencyKey: string;
  mailbox: string;
  originalFolder: string;
  messageId: string | null;
  quarantineFolder: string;
  /** Where the message is inside the quarantine folder. */
  locator: string;
  /** sha256 of the raw message, hex. */
  sha256: string;
}

export interface QuarantineRequest {
  hit: MessageRef;
  idempotencyKey: string;
}

/** One request's result in a batch: a failure in one mailbox never aborts the others. */
export type QuarantineOutcome =
  | { ok: true; request: QuarantineRequest; record: QuarantineRecord; /** false when it already was in quarantine */ moved: boolean }
  | { ok: false; request: QuarantineRequest; error: WritError };

export type RestoreOutcome =
  | { ok: true; record: QuarantineRecord; restored: MessageRef; /** false when it already was back */ moved: boolean }
  | { ok: false; record: QuarantineRecord; error: WritError };

export interface MailSystem {
  /** `maildir`, `imap`, … */
  readonly kind: string;
  /** Every mailbox (user) the system can reach, sorted. */
  listMailboxes(): Promise<string[]>;
  /**
   * Every message matching `criteria` in every folder of every mailbox, except the
   * quarantine folder. Fails (rather than returning a partial answer) when a mailbox
   * cannot be read, so an incomplete retro-hunt is never taken for a complete one.
   */
  search(criteria: MessageCriteria, options?: SearchOptions): AsyncIterable<MessageHit>;
  /**
   * Moves one message into its mailbox's quarantine folder. Idempotent: once the message
   * is in quarantine, calling again (same key, or after a crash or a lost connection)
   * moves nothing and returns an equal record. A key reused for a different message is
   * refused (WRIT_CONFLICT); a message already in quarantine is not a valid target
   * (WRIT_INPUT_INVALID). Throws a `WritError`.
   */
  quarantine(hit: MessageRef, options: { idempotencyKey: string }): Promise<QuarantineRecord>;
  /** Many quarantines, bounded in concurrency; one outcome per request, in request order. */
  quarantineAll(requests: readonly QuarantineRequest[]): Promise<QuarantineOutcome[]>;
  /** Moves a quarantined message back to its original folder. Idempotent. Refuses (WRIT_CONFLICT) if its bytes changed. */
  restore(record: QuarantineRecord): Promise<MessageRef>;
  restoreAll(records: readonly QuarantineRecord[]): Promise<RestoreOutcome[]>;
  /** How many matching messages are still outside quarantine: verification by read-back. */
  countRemaining(criteria: MessageCriteria, options?: SearchOptions): Promise<number>;
  /** Puts a message into a mailbox (default folder INBOX), creating both as needed. For demos and tests. */
  deliver(mailbox: string, raw: Buffer | string, folder?: string): Promise<MessageRef>;
  close(): Promise<void>;
}
