import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { WritError } from '../errors/index.ts';
import type { SecretFingerprinter } from './inventory/fingerprint-index.ts';

/** One operation on one identity in one system. Carries no secret. */
export interface ConnectorOperation<K extends string = string> {
  kind: K;
  /** What the connector acts on: a role name, an ACL user, a remote account id. */
  target: string;
  params?: Record<string, unknown>;
  /** The kernel's reference (grant or case id), echoed in evidence. */
  ref?: string;
}

/** One read-back check and what it found. Never holds a secret. */
export interface EvidenceCheck {
  name: string;
  ok: boolean;
  /** What was observed, in words a person can check. */
  detail: string;
}

/** What a connector observed, by reading the system back, about an operation's effect. */
export interface Evidence {
  connector: string;
  operation: string;
  target: string;
  ref?: string;
  /** ISO 8601. */
  at: string;
  /** Every check passed: the effect is confirmed by read-back. */
  ok: boolean;
  checks: EvidenceCheck[];
  /** Facts that qualify what the checks prove (e.g. the server does not check passwords on the probe path). */
  notes: string[];
}

/**
 * A newly issued secret, returned exactly once, for the kernel to put in its secret store.
 * `take()` yields the value the first time and wipes it; logging, inspecting or
 * serialising the handoff shows only the fingerprint.
 */
export class SecretHandoff {
  readonly fingerprint: string;
  #value: Buffer | undefined;

  constructor(value: string, fingerprint: string) {
    this.#value = Buffer.from(value, 'utf8');
    this.fingerprint = fingerprint;
  }

  /** The secret, once. Throws if already taken. */
  take(): string {
    const value = this.#value;
    if (!value) throw new WritError('WRIT_CONFLICT', `the secret ${this.fingerprint} was already handed over`);
    const text = value.toString('utf8');
    value.fill(0);
    this.#value = undefined;
    return text;
  }

  get taken(): boolean {
    return this.#value === undefined;
  }

  toJSON(): { fingerprint: string; value: '[withheld]' } {
    return { fingerprint: this.fingerprint, value: '[withheld]' };
  }

  toString(): string {
    return `SecretHandoff(${this.fingerprint})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

export interface ExecuteOutcome<R> {
  /** What was done, for the ledger. Never holds a secret (fingerprints only). */
  result: R;
  /** Read-back of the effect right after acting. */
  evidence: Evidence;
  /** HAND TO THE SECRET STORE. Present only when the operation issued a new secret. */
  newSecret?: SecretHandoff;
}

/** What a connector can tell the kernel about an operation before running it. */
export interface OperationTraits {
  /** `undo()` can restore the prior state. */
  reversible: boolean;
  /** The credential (or one of its secrets) stops working. */
  revokes: boolean;
  /** A new secret is issued and returned once as `newSecret`. */
  issuesSecret: boolean;
}

/**
 * The contract every identity connector keeps. `execute` acts and reads back; `verify`
 * reads back again later (e.g. before closing a case); `undo` restores what `execute`
 * changed when the operation is reversible, and refuses otherwise. `result` is what
 * `execute` returned: some read-backs and undos need its (non-secret) references.
 */
export interface IdentityConnector<Op extends ConnectorOperation, R> {
  readonly name: string;
  traits(op: Op): OperationTraits;
  execute(op: Op): Promise<ExecuteOutcome<R>>;
  verify(op: Op, result?: R): Promise<Evidence>;
  undo(op: Op, result?: R): Promise<ExecuteOutcome<R>>;
  close(): Promise<void>;
}

/**
 * A fresh random secret: 32 bytes (256 bits) as base64url, 43 characters, ASCII only (so
 * SASLprep and shell quoting never alter it).
 */
export function generateSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function issueSecret(fingerprinter: SecretFingerprinter): { value: string; handoff: SecretHandoff } {
  const value = generateSecret();
  return { value, handoff: new SecretHandoff(value, fingerprinter.of(value)) };
}

export function buildEvidence(
  connector: string,
  op: ConnectorOperation,
  checks: EvidenceCheck[],
  notes: string[] = [],
  at: Date = new Date(),
): Evidence {
  return {
    connector,
    operation: op.kind,
    target: op.target,
    ...(op.ref === undefined ? {} : { ref: op.ref }),
    at: at.toISOString(),
    ok: checks.length > 0 && checks.every((c) => c.ok),
    checks,
    notes,
  };
}
