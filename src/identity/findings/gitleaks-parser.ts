import { z } from 'zod';
import { WritError } from '../../errors/index.ts';
import { buildFinding, SEVERITY, type IdentityFinding } from './finding.ts';
import { fingerprintAll, nowMs, parseJsonText, parseTime, unknownKeys, validate, type ParseContext } from './parse-support.ts';

/** One leak in a gitleaks JSON report (`gitleaks detect --report-format json`). */
const leakSchema = z.object({
  RuleID: z.string().min(1),
  Description: z.string().optional(),
  StartLine: z.number().int().nonnegative().optional(),
  EndLine: z.number().int().nonnegative().optional(),
  StartColumn: z.number().int().nonnegative().optional(),
  EndColumn: z.number().int().nonnegative().optional(),
  Match: z.string().optional(),
  Secret: z.string(),
  File: z.string(),
  SymlinkFile: z.string().optional(),
  Commit: z.string().optional(),
  Link: z.string().optional(),
  Entropy: z.number().optional(),
  Author: z.string().optional(),
  Email: z.string().optional(),
  Date: z.string().optional(),
  Message: z.string().optional(),
  Tags: z.array(z.string()).nullable().optional(),
  Fingerprint: z.string().optional(),
});
const KNOWN = Object.keys(leakSchema.shape);

/** gitleaks writes `REDACTED` (or a prefix then `...`) when run with `--redact`. */
function isRedacted(secret: string): boolean {
  return secret === '' || secret === 'REDACTED' || secret.endsWith('...');
}

/**
 * Findings from a gitleaks JSON report (an array of leaks; `null` or `[]` when clean).
 * `Secret` is fingerprinted and dropped; `Match` (the line around the secret) and the
 * commit message are not kept. Unknown fields are tolerated and listed by name.
 */
export function parseGitleaksReport(text: string, ctx: ParseContext): IdentityFinding[] {
  const data = parseJsonText(text, 'gitleaks report');
  if (data === null) return [];
  if (!Array.isArray(data)) throw new WritError('WRIT_INPUT_INVALID', 'gitleaks report: expected a JSON array of leaks');
  const now = nowMs(ctx);
  return data.map((entry, index) => {
    const leak = validate(leakSchema, entry, `gitleaks report entry ${index + 1}`);
    const withheld = isRedacted(leak.Secret);
    const fingerprints = withheld ? [] : fingerprintAll(ctx, [leak.Secret]);
    const commit = leak.Commit ?? '';
    const line = leak.StartLine ?? 0;
    const data: Record<string, string | number> = { file: leak.File, line };
    if (commit) data.commit = commit;
    if (leak.EndLine !== undefined) data.end_line = leak.EndLine;
    if (leak.Entropy !== undefined) data.entropy = leak.Entropy;
    const author = leak.Author || leak.Email ? { user: { ...(leak.Author ? { name: leak.Author } : {}), ...(leak.Email ? { uid: leak.Email } : {}), type: 'commit_author' } } : undefined;
    const srcUrl = leak.Link || ctx.location;
    return buildFinding({
      time: now,
      severityId: SEVERITY.high,
      confidenceScore: 60,
      message: `gitleaks rule ${leak.RuleID} matched a secret in ${leak.File}${line ? ` line ${line}` : ''}${commit ? ` at commit ${commit.slice(0, 12)}` : ''}`,
      product: { name: 'gitleaks', vendor_name: 'gitleaks' },
      ...(leak.Fingerprint ? { sourceUid: leak.Fingerprint } : {}),
      ...(leak.Date ? { originalTime: leak.Date } : {}),
      uidSeed: leak.Fingerprint || `${commit}:${leak.File}:${leak.RuleID}:${line}:${fingerprints.join(',')}`,
      title: `Secret exposed: ${leak.Description || leak.RuleID}`,
      types: ['secret_exposure'],
      ...(srcUrl ? { srcUrl } : {}),
      ...(parseTime(leak.Date) === undefined ? {} : { firstSeen: parseTime(leak.Date)! }),
      analytic: { name: leak.RuleID, uid: leak.RuleID },
      resources: [{ type: 'file', name: leak.File, ...(commit ? { uid: `${commit}:${leak.File}` } : {}) }],
      evidences: [{ ...(author ? { actor: author } : {}), data }],
      ignoredFields: unknownKeys(entry, KNOWN),
      writ: {
        kind: 'secret_exposure',
        source: 'gitleaks',
        credential: { fingerprints, keyIds: [], secretType: leak.RuleID },
        verified: false,
        secretWithheld: withheld,
      },
    });
  });
}
