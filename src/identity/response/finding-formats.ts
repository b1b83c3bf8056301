import { WritError } from '../../errors/index.ts';
import type { IdentityFinding } from '../findings/finding.ts';
import { parseGithubSecretScanningAlert } from '../findings/github-secret-scanning.ts';
import { parseGitleaksReport } from '../findings/gitleaks-parser.ts';
import type { ParseContext } from '../findings/parse-support.ts';
import { parseTrufflehogJsonl } from '../findings/trufflehog-parser.ts';
import { parseAnomalousUseEvent, parseCompromisedTokenUse } from '../findings/usage-events.ts';

export const FINDING_FORMATS = ['gitleaks', 'trufflehog', 'github', 'anomaly', 'compromised'] as const;
export type FindingFormat = (typeof FINDING_FORMATS)[number];

export function isFindingFormat(value: string): value is FindingFormat {
  return (FINDING_FORMATS as readonly string[]).includes(value);
}

/**
 * Every finding in one input, or a `WRIT_INPUT_INVALID` naming where the input is wrong
 * (and never quoting it): the whole input is refused, so nothing of a malformed report is
 * acted on.
 *
 * - `gitleaks`: a gitleaks JSON report (an array of leaks);
 * - `trufflehog`: trufflehog `--json` output (JSON lines);
 * - `github`: a `secret_scanning_alert` webhook body, or a JSON array of them;
 * - `anomaly`, `compromised`: one event object, a JSON array of them, or JSON lines.
 */
export function parseFindings(format: string, body: string | unknown, ctx: ParseContext): IdentityFinding[] {
  if (!isFindingFormat(format)) throw new WritError('WRIT_INPUT_INVALID', `unknown finding format "${format}"; expected one of ${FINDING_FORMATS.join(', ')}`);
  switch (format) {
    case 'gitleaks':
      return parseGitleaksReport(text(body), ctx);
    case 'trufflehog':
      return parseTrufflehogJsonl(text(body), ctx);
    case 'github':
      return items(body, 'GitHub secret scanning alert').map((item) => parseGithubSecretScanningAlert(item, ctx));
    case 'anomaly':
      return items(body, 'anomalous-use event').map((item) => parseAnomalousUseEvent(item, ctx));
    case 'compromised':
      return items(body, 'compromised-token event').map((item) => parseCompromisedTokenUse(item, ctx));
  }
}

function text(body: string | unknown): string {
  return typeof body === 'string' ? body : JSON.stringify(body);
}

/** One JSON value, an array of them, or JSON lines, as a list of values. */
function items(body: string | unknown, what: string): unknown[] {
  if (typeof body !== 'string') return Array.isArray(body) ? body : [body];
  const trimmed = body.trim();
  if (trimmed === '') throw new WritError('WRIT_INPUT_INVALID', `${what}: the input is empty`);
  try {
    const value = JSON.parse(trimmed) as unknown;
    return Array.isArray(value) ? value : [value];
  } catch {
    // Not one JSON document: try JSON lines, naming the first bad line.
  }
  const out: unknown[] = [];
  for (const [i, line] of trimmed.split(/\r?\n/).entries()) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as unknown);
    } catch {
      throw new WritError('WRIT_INPUT_INVALID', `${what} line ${i + 1}: not valid JSON`);
    }
  }
  return out;
}
