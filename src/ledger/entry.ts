/** The subjects an entry is about; each is optional, all are indexed for timelines. */
export interface LedgerSubjects {
  case?: string;
  campaign?: string;
  identity?: string;
  action?: string;
}

/** What a caller appends. The ledger assigns `seq` and `time` and redacts the payload. */
export interface LedgerEntryInput {
  kind: string;
  actor: string;
  subjects?: LedgerSubjects;
  payload?: unknown;
}

/** An appended entry: exactly what is canonicalised (RFC 8785) and hashed into its leaf. */
export interface LedgerEntry {
  seq: number;
  time: string;
  kind: string;
  actor: string;
  subjects: LedgerSubjects;
  payload: unknown;
}

const SUBJECT_KEYS = ['case', 'campaign', 'identity', 'action'] as const;

export function cleanSubjects(subjects: LedgerSubjects | undefined): LedgerSubjects {
  const out: LedgerSubjects = {};
  for (const key of SUBJECT_KEYS) {
    const value = subjects?.[key];
    if (value !== undefined && value !== null && value !== '') out[key] = String(value);
  }
  return out;
}
