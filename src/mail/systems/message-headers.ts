/**
 * Just enough header reading for connectors to match and describe messages without a full
 * MIME parse: the header block, unfolded, with RFC 2047 encoded words decoded. Full parsing
 * (bodies, attachments, indicators) lives elsewhere in src/mail.
 */

/** Header names (lower-cased) → their values, in order of appearance. */
export type HeaderMap = ReadonlyMap<string, readonly string[]>;

export function readHeaders(raw: Buffer): HeaderMap {
  const text = raw.subarray(0, headerEnd(raw)).toString('utf8');
  const headers = new Map<string, string[]>();
  let name: string | undefined;
  let value = '';
  const flush = (): void => {
    if (name === undefined) return;
    const values = headers.get(name) ?? [];
    values.push(decodeEncodedWords(value.trim()));
    headers.set(name, values);
  };
  for (const line of text.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && name !== undefined) {
      value += ` ${line.trim()}`;
      continue;
    }
    flush();
    const colon = line.indexOf(':');
    if (colon <= 0) {
      name = undefined;
      continue;
    }
    name = line.slice(0, colon).trim().toLowerCase();
    value = line.slice(colon + 1);
  }
  flush();
  return headers;
}

export function firstHeader(headers: HeaderMap, name: string): string | undefined {
  return headers.get(name.toLowerCase())?.[0];
}

/** Byte offset where the header block ends (the blank line), or the whole buffer. */
function headerEnd(raw: Buffer): number {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  if (crlf < 0) return lf < 0 ? raw.length : lf;
  return lf < 0 ? crlf : Math.min(crlf, lf);
}

const ENCODED_WORD = /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g;

/** Decodes RFC 2047 encoded words; whitespace between adjacent encoded words is dropped. */
export function decodeEncodedWords(value: string): string {
  if (!value.includes('=?')) return value;
  const joined = value.replace(/(\?=)\s+(?==\?)/g, '$1');
  return joined.replace(ENCODED_WORD, (word, charset: string, encoding: string, text: string) => {
    try {
      const bytes =
        encoding.toLowerCase() === 'b'
          ? Buffer.from(text, 'base64')
          : Buffer.from(
              text.replace(/_/g, ' ').replace(/=([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
              'latin1',
            );
      return new TextDecoder(charset.split('*')[0] ?? charset).decode(bytes);
    } catch {
      return word;
    }
  });
}

/** `<id>` from a Message-ID value (brackets optional), or null when there is none. */
export function normaliseMessageId(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const trimmed = value.trim();
  const inside = /<([^<>]*)>/.exec(trimmed)?.[1] ?? trimmed;
  const id = inside.replace(/\s+/g, '');
  return id === '' ? null : `<${id}>`;
}

/** The first address in an address header (`Name <a@b>` or `a@b`), lower-cased; '' when none. */
export function firstAddress(value: string | undefined): string {
  if (value === undefined) return '';
  const bracketed = /<([^<>\s]+@[^<>\s]+)>/.exec(value)?.[1];
  if (bracketed !== undefined) return bracketed.toLowerCase();
  return (/[^\s<>,;:"()]+@[^\s<>,;:"()]+/.exec(value)?.[0] ?? '').toLowerCase();
}
