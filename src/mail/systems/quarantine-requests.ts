/**
 * What both connectors check before they move anything, and how a batch outcome becomes a
 * single call's result.
 */
import { createHash } from 'node:crypto';
import { WritError, isWritError } from '../../errors/index.ts';
import type { MessageRef, QuarantineOutcome, QuarantineRecord, QuarantineRequest, RestoreOutcome } from './mail-system.ts';

export function sha256Hex(raw: Buffer): string {
  return createHash('sha256').update(raw).digest('hex');
}

export function checkRef(ref: MessageRef, what = 'message'): void {
  for (const field of ['mailbox', 'folder', 'locator'] as const) {
    if (typeof ref[field] !== 'string' || ref[field] === '') {
      throw new WritError('WRIT_INPUT_INVALID', `${what} ${field} must be a non-empty string`, { details: { field } });
    }
  }
}

/** A message already in quarantine is not quarantined again: moving a folder onto itself could only do harm. */
export function checkOutsideQuarantine(folder: string, quarantineFolder: string): void {
  if (folder === quarantineFolder || folder.startsWith(`${quarantineFolder}.`) || folder.startsWith(`${quarantineFolder}/`)) {
    throw new WritError('WRIT_INPUT_INVALID', 'the message is in the quarantine folder already', { details: { folder } });
  }
}

export function checkRecord(record: QuarantineRecord): void {
  checkRef({ mailbox: record.mailbox, folder: record.originalFolder, locator: record.locator, messageId: record.messageId }, 'quarantine record');
  if (typeof record.quarantineFolder !== 'string' || record.quarantineFolder === '') {
    throw new WritError('WRIT_INPUT_INVALID', 'quarantine record quarantineFolder must be a non-empty string', { details: { field: 'quarantineFolder' } });
  }
  checkOutsideQuarantine(record.originalFolder, record.quarantineFolder);
  if (!/^[0-9a-f]{64}$/.test(record.sha256)) {
    throw new WritError('WRIT_INPUT_INVALID', 'quarantine record sha256 must be 64 hex digits', { details: { field: 'sha256' } });
  }
}

/**
 * Remembers which message each idempotency key was used for, so a key reused for a
 * different message is refused instead of silently answering for the first one. The
 * move itself is idempotent by the message's state, not by this memory, which is lost
 * with the process.
 */
export class IdempotencyKeys {
  readonly #targets = new Map<string, string>();
  readonly #capacity: number;

  constructor(capacity = 100_000) {
    this.#capacity = capacity;
  }

  claim(key: string, ref: MessageRef): void {
    if (typeof key !== 'string' || key === '' || key.length > 512) {
      throw new WritError('WRIT_INPUT_INVALID', 'idempotencyKey must be a non-empty string of at most 512 characters');
    }
    const target = `${ref.mailbox}\n${ref.messageId ?? `${ref.folder}\n${ref.locator}`}`;
    const known = this.#targets.get(key);
    if (known !== undefined && known !== target) {
      throw new WritError('WRIT_CONFLICT', 'this idempotencyKey was already used for a different message', {
        details: { mailbox: ref.mailbox },
      });
    }
    if (known === undefined) {
      if (this.#targets.size >= this.#capacity) {
        const oldest = this.#targets.keys().next();
        if (oldest.done !== true) this.#targets.delete(oldest.value);
      }
      this.#targets.set(key, target);
    }
  }
}

/** Turns anything thrown into the `WritError` an outcome carries. */
export function asWritError(error: unknown): WritError {
  if (isWritError(error)) return error;
  const kind = error instanceof Error ? error.name : typeof error;
  return new WritError('WRIT_CONNECTOR_FAILED', `the mail connector failed unexpectedly (${kind})`, { cause: error, retryable: false });
}

export function unwrapQuarantine(outcome: QuarantineOutcome | undefined): QuarantineRecord {
  if (outcome === undefined) throw new WritError('WRIT_INTERNAL', 'quarantine produced no outcome');
  if (!outcome.ok) throw outcome.error;
  return outcome.record;
}

export function unwrapRestore(outcome: RestoreOutcome | undefined): MessageRef {
  if (outcome === undefined) throw new WritError('WRIT_INTERNAL', 'restore produced no outcome');
  if (!outcome.ok) throw outcome.error;
  return outcome.restored;
}

/** A batch where each request is checked first; a request that fails its check gets a failed outcome. */
export function precheck(requests: readonly QuarantineRequest[], keys: IdempotencyKeys, quarantineFolder: string): (WritError | undefined)[] {
  return requests.map((request) => {
    try {
      checkRef(request.hit);
      checkOutsideQuarantine(request.hit.folder, quarantineFolder);
      keys.claim(request.idempotencyKey, request.hit);
      return undefined;
    } catch (error) {
      return asWritError(error);
    }
  });
}
