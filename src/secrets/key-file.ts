import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { WritError } from '../errors/index.ts';

export interface KeyFileOptions {
  /** Create the file when it is absent; otherwise an absent file is an error. */
  create: boolean;
  /** What the file holds, for messages ("signing key", "fingerprint key"). */
  what: string;
  /** The text to write when creating. */
  generate: () => string;
}

/**
 * Reads a small secret file, or creates it (mode 0600, parent directories 0700) when absent.
 * Creation is atomic and exclusive: the content is written to a temporary file and hard-linked
 * into place, so a concurrent starter never reads a half-written key and two starters end
 * up sharing one key instead of each keeping its own. Errors name the path, never the content.
 */
export function readOrCreateKeyFile(path: string, options: KeyFileOptions): string {
  const existing = tryRead(path, options.what);
  if (existing !== undefined) return existing;
  if (!options.create) throw unreadable(options.what, path, 'does not exist');
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  } catch (error) {
    throw unreadable(options.what, path, `cannot be created (${errno(error)})`, error);
  }
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const fd = openSync(temporary, 'wx', 0o600);
    try {
      writeSync(fd, options.generate());
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(temporary, path);
    } catch (error) {
      // Another process created it first: use theirs.
      if (errno(error) !== 'EEXIST') throw error;
    }
  } catch (error) {
    throw unreadable(options.what, path, `cannot be created (${errno(error)})`, error);
  } finally {
    try {
      unlinkSync(temporary);
    } catch {
      // Already gone or never made; nothing to clean.
    }
  }
  const created = tryRead(path, options.what);
  if (created === undefined) throw unreadable(options.what, path, 'vanished right after creation');
  return created;
}

export function unreadable(what: string, path: string, reason: string, cause?: unknown): WritError {
  return new WritError('WRIT_KEY_UNREADABLE', `${what} file ${path} ${reason}`, {
    details: { path },
    ...(cause === undefined ? {} : { cause }),
  });
}

function tryRead(path: string, what: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if (errno(error) === 'ENOENT') return undefined;
    throw unreadable(what, path, `cannot be read (${errno(error)})`, error);
  }
}

function errno(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'unknown error';
}
