/**
 * A single linear pass over the raw bytes before the MIME parser sees them, so that a
 * message with ten thousand parts is refused in microseconds rather than parsed first.
 * The figures are estimates (upper bounds), good enough to enforce limits with.
 */
export interface Prescan {
  /** Offset of the blank line ending the top-level header block (-1 when there is none). */
  headerEnd: number;
  /** Delimiter lines of declared boundaries: an upper bound on the number of parts. */
  partEstimate: number;
  /** Declared boundaries plus embedded messages: an upper bound on the nesting depth. */
  depthBound: number;
  /** Bytes in header lines across all parts (approximate). */
  headerBytesEstimate: number;
}

const BOUNDARY = /boundary\s*=\s*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))/gi;
const DELIMITER = /\n--([^\r\n]{1,250})/g;
const RFC822 = /content-type:\s*message\/(?:rfc822|global)/gi;

export function findHeaderEnd(raw: Buffer, within: number): number {
  const limit = Math.min(raw.length, within);
  const window = raw.subarray(0, limit);
  const crlf = window.indexOf('\r\n\r\n');
  const lf = window.indexOf('\n\n');
  if (crlf < 0) return lf;
  if (lf < 0) return crlf;
  return Math.min(crlf, lf);
}

export function prescan(raw: Buffer): Prescan {
  const text = raw.toString('latin1');
  const headerEnd = findHeaderEnd(raw, raw.length);
  const boundaries = new Set<string>();
  BOUNDARY.lastIndex = 0;
  for (let m = BOUNDARY.exec(text); m !== null; m = BOUNDARY.exec(text)) boundaries.add((m[1] ?? m[2] ?? '').trim());
  let partEstimate = 0;
  if (boundaries.size > 0) {
    DELIMITER.lastIndex = 0;
    for (let m = DELIMITER.exec(text); m !== null; m = DELIMITER.exec(text)) {
      let token = m[1]!.trimEnd();
      if (token.endsWith('--') && !boundaries.has(token)) token = token.slice(0, -2);
      if (boundaries.has(token)) partEstimate++;
    }
  }
  RFC822.lastIndex = 0;
  let embedded = 0;
  while (RFC822.exec(text) !== null) embedded++;
  // header bytes: the top block plus, per part, roughly the lines between a delimiter and a blank line
  const headerBytesEstimate = (headerEnd < 0 ? raw.length : headerEnd) + partEstimate * 200;
  return { headerEnd, partEstimate, depthBound: boundaries.size + embedded, headerBytesEstimate };
}

const DELIMITER_START = Buffer.from('\n--');

/**
 * True when the message cannot have more than `maxParts` parts: it has no more lines
 * starting with "--" than that. A native byte search, so ordinary mail skips the full prescan.
 */
export function fewDelimiters(raw: Buffer, maxParts: number): boolean {
  let count = 0;
  for (let at = raw.indexOf(DELIMITER_START); at >= 0; at = raw.indexOf(DELIMITER_START, at + 3)) {
    if (++count > maxParts) return false;
  }
  return true;
}
