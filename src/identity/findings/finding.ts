import { createHash } from 'node:crypto';

/**
 * An identity finding, modelled on the OCSF Detection Finding class (class_uid 2004,
 * category Findings). The OCSF attributes keep their OCSF names and enumerations; what
 * OCSF has no place for lives under `writ`. A finding never holds a secret: parsers turn
 * it into a keyed fingerprint (`fp:…`) at the boundary and drop it.
 */
export interface IdentityFinding {
  class_uid: 2004;
  class_name: 'Detection Finding';
  category_uid: 2;
  category_name: 'Findings';
  /** 1 Create, 2 Update, 3 Close. */
  activity_id: ActivityId;
  activity_name: string;
  /** class_uid * 100 + activity_id. */
  type_uid: number;
  /** When the finding was made (epoch milliseconds). */
  time: number;
  severity_id: SeverityId;
  severity: string;
  /** 1 New, 2 In Progress, 3 Suppressed, 4 Resolved. */
  status_id: StatusId;
  status: string;
  /** 1 Low, 2 Medium, 3 High. */
  confidence_id: ConfidenceId;
  confidence: string;
  /** 0–100. */
  confidence_score: number;
  message: string;
  metadata: {
    version: string;
    product: { name: string; vendor_name: string };
    /** The source's own id for this finding (alert number, scanner fingerprint). */
    uid?: string;
    original_time?: string;
  };
  finding_info: {
    /** Stable across re-deliveries of the same finding from the same source. */
    uid: string;
    title: string;
    desc?: string;
    types: string[];
    src_url?: string;
    first_seen_time?: number;
    last_seen_time?: number;
    analytic?: { name: string; type_id: 1; type: 'Rule'; uid?: string };
  };
  resources: Array<{ type: string; name?: string; uid?: string }>;
  evidences: FindingEvidence[];
  /** Source fields Writ does not map. Names only: unknown values may carry secrets. */
  unmapped?: { ignored_fields: string[] };
  writ: WritFindingExtension;
}

export interface FindingEvidence {
  actor?: { user?: { name?: string; uid?: string; type?: string } };
  src_endpoint?: { ip?: string; location?: GeoLocation; autonomous_system?: { number?: number; name?: string } };
  /** Non-secret facts from the source (file, line, commit, detector…). */
  data?: Record<string, string | number | boolean>;
}

export interface GeoLocation {
  country?: string;
  city?: string;
  lat?: number;
  long?: number;
}

export const FINDING_KINDS = ['secret_exposure', 'anomalous_use', 'compromised_token_use'] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

export interface WritFindingExtension {
  kind: FindingKind;
  /** Which parser produced it: `gitleaks`, `trufflehog`, `github_secret_scanning`, `anomaly`, `compromised_token`. */
  source: string;
  /** What identifies the credential, without the credential. */
  credential: {
    /** Keyed fingerprints of the secret value(s) the source saw. */
    fingerprints: string[];
    /** Public key ids (AWS access key id, key `kid`) named by the source. */
    keyIds: string[];
    /** The inventory id, when the source names the identity directly. */
    identityId?: string;
    /** The principal as the source saw it (a role on `postgres`, a service principal on `azure_ad`). */
    principal?: { name: string; system?: string };
    /** The detector's type for the secret (`github_personal_access_token`, `aws`…). */
    secretType?: string;
  };
  /** The source checked that the credential is live (trufflehog Verified, GitHub validity active). */
  verified: boolean;
  /** The secret could not be fingerprinted (the source redacted or omitted it). */
  secretWithheld: boolean;
}

export const SEVERITY = { unknown: 0, informational: 1, low: 2, medium: 3, high: 4, critical: 5, fatal: 6 } as const;
export type SeverityId = (typeof SEVERITY)[keyof typeof SEVERITY];
const SEVERITY_NAMES: Record<SeverityId, string> = {
  0: 'Unknown',
  1: 'Informational',
  2: 'Low',
  3: 'Medium',
  4: 'High',
  5: 'Critical',
  6: 'Fatal',
};

export const STATUS = { new: 1, in_progress: 2, suppressed: 3, resolved: 4 } as const;
export type StatusId = (typeof STATUS)[keyof typeof STATUS];
const STATUS_NAMES: Record<StatusId, string> = { 1: 'New', 2: 'In Progress', 3: 'Suppressed', 4: 'Resolved' };

export const ACTIVITY = { create: 1, update: 2, close: 3 } as const;
export type ActivityId = (typeof ACTIVITY)[keyof typeof ACTIVITY];
const ACTIVITY_NAMES: Record<ActivityId, string> = { 1: 'Create', 2: 'Update', 3: 'Close' };

export type ConfidenceId = 1 | 2 | 3;

export function severityName(id: SeverityId): string {
  return SEVERITY_NAMES[id];
}

export const OCSF_VERSION = '1.3.0';

export interface FindingParts {
  activityId?: ActivityId;
  time: number;
  severityId: SeverityId;
  statusId?: StatusId;
  /** 0–100. */
  confidenceScore: number;
  message: string;
  product: { name: string; vendor_name: string };
  sourceUid?: string;
  originalTime?: string;
  /** Input for the stable uid: source name plus the source's own identity of the finding. */
  uidSeed: string;
  title: string;
  desc?: string;
  types: string[];
  srcUrl?: string;
  firstSeen?: number;
  lastSeen?: number;
  analytic?: { name: string; uid?: string };
  resources?: IdentityFinding['resources'];
  evidences?: FindingEvidence[];
  ignoredFields?: string[];
  writ: WritFindingExtension;
}

/** Assembles a finding; the one place the OCSF constants and captions are filled in. */
export function buildFinding(p: FindingParts): IdentityFinding {
  const activityId = p.activityId ?? ACTIVITY.create;
  const statusId = p.statusId ?? STATUS.new;
  const score = Math.max(0, Math.min(100, Math.round(p.confidenceScore)));
  const confidenceId: ConfidenceId = score >= 80 ? 3 : score >= 50 ? 2 : 1;
  return {
    class_uid: 2004,
    class_name: 'Detection Finding',
    category_uid: 2,
    category_name: 'Findings',
    activity_id: activityId,
    activity_name: ACTIVITY_NAMES[activityId],
    type_uid: 2004 * 100 + activityId,
    time: p.time,
    severity_id: p.severityId,
    severity: SEVERITY_NAMES[p.severityId],
    status_id: statusId,
    status: STATUS_NAMES[statusId],
    confidence_id: confidenceId,
    confidence: confidenceId === 3 ? 'High' : confidenceId === 2 ? 'Medium' : 'Low',
    confidence_score: score,
    message: p.message,
    metadata: {
      version: OCSF_VERSION,
      product: p.product,
      ...(p.sourceUid === undefined ? {} : { uid: p.sourceUid }),
      ...(p.originalTime === undefined ? {} : { original_time: p.originalTime }),
    },
    finding_info: {
      uid: `${p.writ.source}:${createHash('sha256').update(p.uidSeed).digest('hex').slice(0, 32)}`,
      title: p.title,
      ...(p.desc === undefined ? {} : { desc: p.desc }),
      types: p.types,
      ...(p.srcUrl === undefined ? {} : { src_url: p.srcUrl }),
      ...(p.firstSeen === undefined ? {} : { first_seen_time: p.firstSeen }),
      ...(p.lastSeen === undefined ? {} : { last_seen_time: p.lastSeen }),
      ...(p.analytic === undefined
        ? {}
        : { analytic: { name: p.analytic.name, type_id: 1 as const, type: 'Rule' as const, ...(p.analytic.uid === undefined ? {} : { uid: p.analytic.uid }) } }),
    },
    resources: p.resources ?? [],
    evidences: p.evidences ?? [],
    ...(p.ignoredFields && p.ignoredFields.length > 0 ? { unmapped: { ignored_fields: [...p.ignoredFields].sort() } } : {}),
    writ: p.writ,
  };
}
