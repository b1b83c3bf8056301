import type { z } from 'zod';
import { WritError } from '../../errors/index.ts';
import { describeIssue, formatPath } from '../input-issues.ts';
import type { SecretFingerprinter } from '../inventory/fingerprint-index.ts';

export interface ParseContext {
  /** The same keyed fingerprinter the inventory's index uses. */
  fingerprinter: SecretFingerprinter;
  /** Clock for findings whose source gives no time. */
  now?: () => Date;
  /** Where the scanned material lives (a repository URL), for sources that do not say. */
  location?: string;
}

/** Parses JSON without ever echoing the input: engine messages quote the text around the error. */
export function parseJsonText(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new WritError('WRIT_INPUT_INVALID', `${what}: not valid JSON`);
  }
}

/** Validates `value`, or throws one line naming where and which field, never the value. */
export function validate<T extends z.ZodType>(schema: T, value: unknown, where: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue ? formatPath(issue.path) : '';
  throw new WritError('WRIT_INPUT_INVALID', `${where}${field ? `, field ${field}` : ''}: ${issue ? describeIssue(issue, value) : 'is invalid'}`);
}

/** Top-level keys of `value` that `known` does not list (reported by name only). */
export function unknownKeys(value: unknown, known: readonly string[]): string[] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.keys(value).filter((k) => !known.includes(k));
}

/** Epoch ms from an ISO string or a gitleaks-style `MM-DD-YYYY`; undefined when unreadable. */
export function parseTime(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const us = /^(\d{2})-(\d{2})-(\d{4})$/.exec(value);
  const ms = us ? Date.UTC(Number(us[3]), Number(us[1]) - 1, Number(us[2])) : Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

export function nowMs(ctx: ParseContext): number {
  return (ctx.now?.() ?? new Date()).getTime();
}

/** Fingerprints each distinct non-empty secret. The plaintext goes no further than this call. */
export function fingerprintAll(ctx: ParseContext, secrets: ReadonlyArray<string | undefined>): string[] {
  const out = new Set<string>();
  for (const s of secrets) if (s !== undefined && s !== '') out.add(ctx.fingerprinter.of(s));
  return [...out];
}
