import { z } from 'zod';
import { buildFinding, SEVERITY, type IdentityFinding } from './finding.ts';
import { fingerprintAll, nowMs, parseJsonText, parseTime, unknownKeys, validate, type ParseContext } from './parse-support.ts';
import { WritError } from '../../errors/index.ts';

/** One result line of `trufflehog … --json` (JSON lines, one object per line). */
const resultSchema = z.object({
  SourceMetadata: z.object({ Data: z.record(z.string(), z.unknown()).optional() }).nullable().optional(),
  SourceID: z.number().optional(),
  SourceType: z.number().optional(),
  SourceName: z.string().optional(),
  DetectorType: z.number().optional(),
  DetectorName: z.string().min(1),
  DecoderName: z.string().optional(),
  Verified: z.boolean(),
  VerificationError: z.string().optional(),
  Raw: z.string(),
  RawV2: z.string().optional(),
  Redacted: z.string().optional(),
  ExtraData: z.record(z.string(), z.unknown()).nullable().optional(),
  StructuredData: z.unknown().optional(),
});
const KNOWN = Object.keys(resultSchema.shape);

/** Source metadata fields worth keeping (none of them hold the secret). */
const LOCATION_FIELDS = ['repository', 'commit', 'file', 'line', 'email', 'timestamp', 'link', 'visibility', 'bucket'] as const;

/** trufflehog also logs progress lines as JSON on the same stream; they carry no `DetectorName`. */
function isLogLine(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !('DetectorName' in value) && ('level' in value || 'msg' in value);
}

/**
 * Findings from trufflehog JSON lines. `Raw` and `RawV2` are fingerprinted and dropped;
 * `Redacted` is, by trufflehog's design, the non-secret part (an AWS access key id) and is
 * kept as a key id. `ExtraData` is not kept: detectors put arbitrary values there.
 * Blank lines and trufflehog's own log lines are skipped.
 */
export function parseTrufflehogJsonl(text: string, ctx: ParseContext): IdentityFinding[] {
  const now = nowMs(ctx);
  const out: IdentityFinding[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((rawLine, i) => {
    const line = rawLine.trim();
    if (line === '') return;
    const where = `trufflehog output line ${i + 1}`;
    const value = parseJsonText(line, where);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new WritError('WRIT_INPUT_INVALID', `${where}: expected a JSON object`);
    }
    if (isLogLine(value)) return;
    const r = validate(resultSchema, value, where);
    const fingerprints = fingerprintAll(ctx, [r.Raw, r.RawV2]);
    const keyIds = r.Redacted && !r.Redacted.includes('*') ? [r.Redacted] : [];
    const [sourceKind, meta] = sourceMeta(r.SourceMetadata?.Data);
    const file = str(meta.file);
    const repository = str(meta.repository);
    const commit = str(meta.commit);
    const lineNo = typeof meta.line === 'number' ? meta.line : undefined;
    const data: Record<string, string | number | boolean> = { detector: r.DetectorName, verified: r.Verified };
    if (sourceKind) data.source_kind = sourceKind;
    for (const field of LOCATION_FIELDS) {
      const v = meta[field];
      if (field !== 'email' && (typeof v === 'string' || typeof v === 'number')) data[field] = v;
    }
    const email = str(meta.email);
    const where2 = [repository, file].filter(Boolean).join(' ');
    const firstSeen = parseTime(str(meta.timestamp));
    out.push(
      buildFinding({
        time: now,
        severityId: r.Verified ? SEVERITY.critical : SEVERITY.high,
        confidenceScore: r.Verified ? 95 : 50,
        message: `trufflehog ${r.DetectorName} detector found a ${r.Verified ? 'verified live' : 'possible'} secret${where2 ? ` in ${where2}` : ''}${lineNo ? ` line ${lineNo}` : ''}`,
        product: { name: 'trufflehog', vendor_name: 'Truffle Security' },
        uidSeed: `${repository ?? ''}:${commit ?? ''}:${file ?? ''}:${lineNo ?? ''}:${r.DetectorName}:${fingerprints.join(',')}`,
        title: `Secret exposed: ${r.DetectorName}${r.Verified ? ' (verified)' : ''}`,
        types: ['secret_exposure'],
        ...(str(meta.link) ?? repository ?? ctx.location ? { srcUrl: (str(meta.link) ?? repository ?? ctx.location)! } : {}),
        ...(firstSeen === undefined ? {} : { firstSeen }),
        analytic: { name: r.DetectorName, ...(r.DetectorType === undefined ? {} : { uid: String(r.DetectorType) }) },
        resources: [
          ...(repository ? [{ type: 'repository', name: repository }] : []),
          ...(file ? [{ type: 'file', name: file, ...(commit ? { uid: `${commit}:${file}` } : {}) }] : []),
        ],
        evidences: [{ ...(email ? { actor: { user: { uid: email, type: 'commit_author' } } } : {}), data }],
        ignoredFields: unknownKeys(value, KNOWN),
        writ: {
          kind: 'secret_exposure',
          source: 'trufflehog',
          credential: { fingerprints, keyIds, secretType: r.DetectorName.toLowerCase() },
          verified: r.Verified,
          secretWithheld: fingerprints.length === 0,
        },
      }),
    );
  });
  return out;
}

function sourceMeta(data: Record<string, unknown> | undefined): [string | undefined, Record<string, unknown>] {
  if (!data) return [undefined, {}];
  for (const [kind, value] of Object.entries(data)) {
    if (typeof value === 'object' && value !== null) return [kind.toLowerCase(), value as Record<string, unknown>];
  }
  return [undefined, {}];
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
