import { KeyObject } from 'node:crypto';
import { types } from 'node:util';
import type { Fingerprinter } from './fingerprint.ts';
import { secretKindOf } from './secret-names.ts';
import { redactSecretsInText } from './text-rules.ts';

/**
 * Removes secret values before anything is logged or ledgered, leaving a keyed fingerprint
 * (`[redacted fp:…]`) so two records of the same secret can still be matched.
 *
 * Two mechanisms: (a) the value of any field whose name says it is a secret
 * (`secret-names.ts`); (b) secret-shaped text inside any string: PEM private keys, bearer and
 * basic credentials, JWTs, well-known token formats, passwords in URLs and `name=value` pairs.
 * The input is never mutated.
 */
export class Redactor {
  readonly #fingerprinter: Fingerprinter;

  constructor(fingerprinter: Fingerprinter) {
    this.#fingerprinter = fingerprinter;
  }

  redact<T>(value: T): T {
    return this.#copy(value, new Map()) as T;
  }

  /** Redacts secret-shaped substrings of one string. */
  redactText(text: string): string {
    return redactSecretsInText(text, (secret) => this.#marker(secret));
  }

  /** The replacement for a secret value: usable as pino's `redact.censor`. */
  censor(value: unknown): string {
    if (typeof value === 'string' && MARKER.test(value)) return value;
    return this.#marker(fingerprintInput(value));
  }

  #marker(secret: string | Buffer): string {
    return `[redacted ${this.#fingerprinter.of(secret)}]`;
  }

  #copy(value: unknown, seen: Map<object, unknown>): unknown {
    if (typeof value === 'string') return this.redactText(value);
    if (value === null || typeof value !== 'object') return value;
    const done = seen.get(value);
    if (done !== undefined) return done; // shared or cyclic: keep the shape, copy once
    if (value instanceof KeyObject) return value.type === 'public' ? value : this.censor(value);
    if (Buffer.isBuffer(value)) return Buffer.from(value);
    if (ArrayBuffer.isView(value) || types.isDate(value) || types.isRegExp(value)) return structuredCloneOr(value);
    if (value instanceof URL) return this.#url(value);
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      seen.set(value, out);
      for (const item of value) out.push(this.#copy(item, seen));
      return out;
    }
    if (value instanceof Map) {
      const out = new Map();
      seen.set(value, out);
      for (const [k, v] of value) out.set(k, typeof k === 'string' ? this.#field(k, v, seen) : this.#copy(v, seen));
      return out;
    }
    if (value instanceof Set) {
      const out = new Set();
      seen.set(value, out);
      for (const v of value) out.add(this.#copy(v, seen));
      return out;
    }
    if (types.isPromise(value) || types.isProxy(value)) return value;
    // Plain objects, errors and class instances: same prototype, every own property copied
    // (an Error's message and stack are own, non-enumerable properties).
    const out = Object.create(Object.getPrototypeOf(value) as object | null) as Record<string, unknown>;
    seen.set(value, out);
    for (const key of Object.getOwnPropertyNames(value)) {
      const descriptor = Object.getOwnPropertyDescriptor(value, key);
      if (descriptor === undefined || !('value' in descriptor)) continue; // accessors are not data
      Object.defineProperty(out, key, { ...descriptor, value: this.#field(key, descriptor.value, seen) });
    }
    return out;
  }

  #field(name: string, value: unknown, seen: Map<object, unknown>): unknown {
    const kind = secretKindOf(name);
    if (kind === undefined || value === null || value === undefined || typeof value === 'boolean') {
      return this.#copy(value, seen);
    }
    // A number under `max_tokens`-like names is a count; under a password name it may be a PIN.
    if ((typeof value === 'number' || typeof value === 'bigint') && kind !== 'password') return value;
    return this.censor(value);
  }

  #url(url: URL): URL {
    const redacted = this.redactText(url.href);
    try {
      return new URL(redacted);
    } catch {
      // The marker made it unparsable: keep a URL that says so rather than the secret.
      const fallback = new URL(url.href);
      fallback.username = '';
      fallback.password = '';
      fallback.search = '';
      return fallback;
    }
  }
}

const MARKER = /^\[redacted fp:[0-9a-f]{32}\]$/;

/** What a secret value is fingerprinted as: its text or bytes, or a stable rendering. */
function fingerprintInput(value: unknown): string | Buffer {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (value instanceof KeyObject) {
    try {
      const jwk = value.export({ format: 'jwk' });
      return jwk.d ?? jwk.k ?? String(value.type);
    } catch {
      return String(value.type);
    }
  }
  try {
    return stableStringify(value, new Set()) ?? String(value);
  } catch {
    return String(value);
  }
}

function stableStringify(value: unknown, ancestors: Set<object>): string | undefined {
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (ancestors.has(value)) return '"[cycle]"';
  ancestors.add(value);
  let text: string;
  if (Array.isArray(value)) {
    text = `[${value.map((v) => stableStringify(v, ancestors) ?? 'null').join(',')}]`;
  } else {
    const record = value as Record<string, unknown>;
    const parts = Object.keys(record)
      .sort()
      .flatMap((k) => {
        const v = stableStringify(record[k], ancestors);
        return v === undefined ? [] : [`${JSON.stringify(k)}:${v}`];
      });
    text = `{${parts.join(',')}}`;
  }
  ancestors.delete(value);
  return text;
}

function structuredCloneOr(value: object): unknown {
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
}
