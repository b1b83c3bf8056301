

/** Table types. Times are milliseconds since the epoch; hashes are lower-case hex. */
export interface Database {
  writ_meta: { key: string; value: string };
  ledger_head: { id: number; size: number; frontier: string; updated_at: number };
  ledger_entries: {
    seq: number;
    time: string;
    kind: string;
    actor: string;
    case_id: string | null;
    campaign_id: string | null;
    identity_id: string | null;
    action_id: string | null;
    body: string;
    leaf_hash: string;
  };
  ledger_nodes: { level: number; idx: number; hash: string };
  ledger_checkpoints: { tree_size: number; root_hash: string; note: string; created_at: number };
  jobs: {
    id: string;
    kind: string;
    payload: string;
    idempotency_key: string;
    status: JobStatus;
    attempts: number;
    max_attempts: number;
    run_at: number;
    lease_owner: string | null;
    lease_expires_at: number | null;
    last_error: string | null;
    result: string | null;
    created_at: number;
    updated_at: number;
  };
}

export type JobStatus = 'ready' | 'leased' | 'done' | 'dead';
