export {
  buildFinding,
  severityName,
  FINDING_KINDS,
  SEVERITY,
  STATUS,
  ACTIVITY,
  OCSF_VERSION,
  type IdentityFinding,
  type FindingEvidence,
  type FindingKind,
  type GeoLocation,
  type WritFindingExtension,
  type SeverityId,
  type StatusId,
  type ActivityId,
} from './finding.ts';
export type { ParseContext } from './parse-support.ts';
export { parseGitleaksReport } from './gitleaks-parser.ts';
export { parseTrufflehogJsonl } from './trufflehog-parser.ts';
export { parseGithubSecretScanningAlert, verifyGithubWebhookSignature } from './github-secret-scanning.ts';
export { parseAnomalousUseEvent, parseCompromisedTokenUse } from './usage-events.ts';
export { AuthLog, parseAuthEvent, authEventSchema, type AuthEvent, type AuthEventInput, type AuthSource, type AuthLogOptions } from './auth-log.ts';
export { assessAuthEvent, haversineKm, type AnomalyOptions } from './anomaly-detector.ts';
export { enrichFinding, type EnrichedFinding, type EnrichOptions, type MatchBy, type MatchStatus, type Queue } from './enrich.ts';
