import { accessSync, chmodSync, closeSync, constants, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { inspect } from 'node:util';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { WritError } from '../../errors/index.ts';
import type { SecretHandoff } from '../connector-contract.ts';

/** Where a newly issued secret came from; no part of it is secret. */
export interface SecretDelivery {
  identityId: string;
  /** The kernel action that issued it (a rotation). */
  actionId: string;
  caseId: string | null;
  /** The secret's keyed fingerprint (`fp:…`), the only name it has in Writ's records. */
  fingerprint: string;
}

/** What the sink reports back: a reference, never the value. */
export interface SecretReceipt {
  sink: string;
  /** Where the holder finds it (a file path, a vault path). */
  ref: string;
}

/**
 * Where a rotation's new secret goes, and the only place it goes: never the ledger, the
 * logs, an action's result or the database. The sink takes the value out of the handoff
 * (which wipes it) and stores it for the credential's holder to pick up.
 */
export interface SecretSink {
  readonly name: string;
  /** Throws when the sink cannot take a secret now (checked before a rotation issues one). */
  check?(): Promise<void>;
  put(delivery: SecretDelivery, secret: SecretHandoff): Promise<SecretReceipt>;
}

/**
 * One file per issued secret under `dir` (created 0700), each file 0600 and created
 * exclusively (never overwritten): `<dir>/<identity>/<action id>.secret`, holding the
 * secret alone. The holder's tooling moves it into their vault and deletes the file.
 */
export class FileSecretSink implements SecretSink {
  readonly name = 'file';

  constructor(private readonly dir: string) {}

  async check(): Promise<void> {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      accessSync(this.dir, constants.W_OK);
    } catch (error) {
      throw new WritError('WRIT_CONNECTOR_REFUSED', `the secret sink directory ${this.dir} is not writable (${(error as { code?: string }).code ?? 'error'}); nothing was rotated`, { retryable: false });
    }
  }

  async put(delivery: SecretDelivery, secret: SecretHandoff): Promise<SecretReceipt> {
    const folder = join(this.dir, safeName(delivery.identityId));
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
    chmodSync(folder, 0o700);
    const path = join(folder, `${safeName(delivery.actionId)}.secret`);
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (error) {
      const code = (error as { code?: string }).code;
      // A retried rotation issues a new secret; the file of the first attempt stays as it was.
      if (code === 'EEXIST') {
        const retry = join(folder, `${safeName(delivery.actionId)}.${randomUUID().slice(0, 8)}.secret`);
        fd = openSync(retry, 'wx', 0o600);
        return this.write(fd, retry, secret);
      }
      throw new WritError('WRIT_CONNECTOR_FAILED', `the secret sink cannot write under ${folder} (${code ?? 'error'}); the new secret ${delivery.fingerprint} was not stored`, { retryable: false });
    }
    return this.write(fd, path, secret);
  }

  private write(fd: number, path: string, secret: SecretHandoff): SecretReceipt {
    try {
      const value = Buffer.from(secret.take(), 'utf8');
      writeSync(fd, value);
      value.fill(0);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return { sink: this.name, ref: path };
  }
}

/** Keeps issued secrets in memory, for tests and embedded demos: `take` hands each out once. */
export class MemorySecretSink implements SecretSink {
  readonly name = 'memory';
  readonly #secrets = new Map<string, Array<{ delivery: SecretDelivery; value: string }>>();

  async put(delivery: SecretDelivery, secret: SecretHandoff): Promise<SecretReceipt> {
    const list = this.#secrets.get(delivery.identityId) ?? [];
    list.push({ delivery, value: secret.take() });
    this.#secrets.set(delivery.identityId, list);
    return { sink: this.name, ref: `memory:${delivery.identityId}/${delivery.actionId}` };
  }

  /** The newest secret issued for the identity (what its holders would now use). */
  latest(identityId: string): { delivery: SecretDelivery; value: string } | undefined {
    const list = this.#secrets.get(identityId);
    return list?.[list.length - 1];
  }

  count(identityId: string): number {
    return this.#secrets.get(identityId)?.length ?? 0;
  }

  toJSON(): string {
    return 'MemorySecretSink';
  }

  [inspect.custom](): string {
    return 'MemorySecretSink [values hidden]';
  }
}

/** A path segment from an id (ids may hold `/`, `:`, `@`). */
function safeName(id: string): string {
  return encodeURIComponent(id).replace(/\./g, '%2E');
}
