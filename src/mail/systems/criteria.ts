import PostalMime from 'postal-mime';
import { WritError } from '../../errors/index.ts';
import type { MessageCriteria } from './mail-system.ts';
import { firstHeader, normaliseMessageId, type HeaderMap } from './message-headers.ts';

/** Criteria checked and normalised once: needles lower-cased, the Message-ID as `<id>`. */
export interface CompiledCriteria {
  readonly messageId: string | null;
  readonly from: string | null;
  readonly subject: string | null;
  readonly headers: readonly (readonly [name: string, needle: string])[];
  readonly body: string | null;
  readonly matches: ((raw: Buffer) => boolean) | null;
}

const HEADER_NAME = /^[!-9;-~]+$/;

export function compileCriteria(criteria: MessageCriteria): CompiledCriteria {
  const text = (field: string, value: unknown): string | null => {
    if (value === undefined) return null;
    if (typeof value !== 'string' || value.trim() === '') {
      throw new WritError('WRIT_INPUT_INVALID', `search criterion ${field} must be a non-empty string`, { details: { field } });
    }
    return value.toLowerCase();
  };
  const headers = Object.entries(criteria.headers ?? {}).map(([name, needle]) => {
    if (!HEADER_NAME.test(name)) {
      throw new WritError('WRIT_INPUT_INVALID', `search criterion headers has an invalid header name`, { details: { field: 'headers' } });
    }
    return [name.toLowerCase(), text(`headers.${name}`, needle) ?? ''] as const;
  });
  if (criteria.matches !== undefined && typeof criteria.matches !== 'function') {
    throw new WritError('WRIT_INPUT_INVALID', 'search criterion matches must be a function', { details: { field: 'matches' } });
  }
  if (text('messageId', criteria.messageId) !== null && normaliseMessageId(criteria.messageId) === null) {
    throw new WritError('WRIT_INPUT_INVALID', 'search criterion messageId is empty', { details: { field: 'messageId' } });
  }
  const compiled: CompiledCriteria = Object.freeze({
    messageId: normaliseMessageId(criteria.messageId),
    from: text('from', criteria.from),
    subject: text('subject', criteria.subject),
    headers: Object.freeze(headers),
    body: text('body', criteria.body),
    matches: criteria.matches ?? null,
  });
  const given =
    compiled.messageId !== null ||
    compiled.from !== null ||
    compiled.subject !== null ||
    compiled.headers.length > 0 ||
    compiled.body !== null ||
    compiled.matches !== null;
  if (!given) {
    throw new WritError('WRIT_INPUT_INVALID', 'search criteria are empty: give at least one of messageId, from, subject, headers, body, matches');
  }
  return compiled;
}

/** The header part of the criteria, against a message's headers. */
export function headersMatch(criteria: CompiledCriteria, headers: HeaderMap): boolean {
  if (criteria.messageId !== null && normaliseMessageId(firstHeader(headers, 'message-id')) !== criteria.messageId) return false;
  if (criteria.from !== null && !anyContains(headers.get('from'), criteria.from)) return false;
  if (criteria.subject !== null && !anyContains(headers.get('subject'), criteria.subject)) return false;
  return criteria.headers.every(([name, needle]) => anyContains(headers.get(name), needle));
}

/** The body and predicate part of the criteria, against the raw message. */
export async function contentMatches(criteria: CompiledCriteria, raw: Buffer): Promise<boolean> {
  if (criteria.body !== null) {
    const parsed = await PostalMime.parse(raw);
    const text = `${parsed.text ?? ''}\n${parsed.html ?? ''}`.toLowerCase();
    if (!text.includes(criteria.body)) return false;
  }
  return criteria.matches === null || criteria.matches(raw) === true;
}

function anyContains(values: readonly string[] | undefined, needle: string): boolean {
  return values?.some((value) => value.toLowerCase().includes(needle)) ?? false;
}
