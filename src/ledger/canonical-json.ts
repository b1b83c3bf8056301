import { WritError } from '../errors/index.ts';

/**
 * RFC 8785 JSON Canonicalization Scheme (JCS). The ledger hashes these bytes, so two
 * processes (or an offline verifier in another language) must produce them identically.
 *
 * Accepted: null, booleans, finite numbers, well-formed strings, arrays, and plain objects
 * (prototype `Object.prototype` or `null`). Anything else throws WRIT_INPUT_INVALID naming
 * the JSON path, rather than being silently coerced the way JSON.stringify would
 * (undefined dropped, Date via toJSON, NaN as null): a ledger entry must mean what it says.
 */
export function canonicalize(value: unknown): string {
  const out: string[] = [];
  write(value, '$', out, new Set());
  return out.join('');
}

// A lone surrogate matches \p{Cs} only in `u` mode, where a valid pair is one code point.
const LONE_SURROGATE = /\p{Cs}/u;

function write(value: unknown, path: string, out: string[], ancestors: Set<object>): void {
  if (value === null) {
    out.push('null');
    return;
  }
  switch (typeof value) {
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'number':
      // RFC 8785 §3.2.2.3: ECMAScript Number::toString, which String() is; -0 becomes "0".
      if (!Number.isFinite(value)) fail(path, `${String(value)} is not a JSON number`);
      out.push(String(value));
      return;
    case 'string':
      out.push(quote(value, path));
      return;
    case 'object':
      break;
    default:
      fail(path, `a ${typeof value} cannot be represented in JSON`);
  }

  const object = value as object;
  if (ancestors.has(object)) fail(path, 'the value contains a cycle');
  ancestors.add(object);
  if (Array.isArray(object)) {
    out.push('[');
    for (let i = 0; i < object.length; i++) {
      if (i > 0) out.push(',');
      // Holes read as undefined and are rejected like any undefined.
      write(object[i], `${path}[${i}]`, out, ancestors);
    }
    out.push(']');
  } else {
    const proto = Object.getPrototypeOf(object);
    if (proto !== Object.prototype && proto !== null) {
      const name = (object as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      fail(path, `a ${name} is not a plain object; convert it to JSON data first`);
    }
    const record = object as Record<string, unknown>;
    // Default sort compares UTF-16 code units, exactly what RFC 8785 §3.2.3 requires.
    const keys = Object.keys(record).sort();
    out.push('{');
    keys.forEach((key, i) => {
      if (i > 0) out.push(',');
      out.push(quote(key, `${path} (key)`), ':');
      write(record[key], `${path}.${key}`, out, ancestors);
    });
    out.push('}');
  }
  ancestors.delete(object);
}

function quote(text: string, path: string): string {
  // RFC 8785 §3.2.2.2: lone surrogates MUST terminate canonicalization with an error.
  if (LONE_SURROGATE.test(text)) fail(path, 'the string contains a lone UTF-16 surrogate');
  // For well-formed strings JSON.stringify escapes exactly as §3.2.2.2 prescribes:
  // \b \t \n \f \r \" \\, other C0 controls as lowercase \u00xx, everything else as is.
  return JSON.stringify(text);
}

function fail(path: string, reason: string): never {
  throw new WritError('WRIT_INPUT_INVALID', `cannot canonicalize ${path}: ${reason}`, { details: { path } });
}
