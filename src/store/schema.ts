

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
  cases: {
    id: string;
    type: string;
    title: string;
    tenant: string;
    status: CaseStatus;
    severity: string;
    queue: string | null;
    sla_due_at: number | null;
    opened_by: string;
    criteria: string;
    facts: string;
    closed_at: number | null;
    closed_by: string | null;
    close_mode: 'evidence' | 'override' | null;
    close_reason: string | null;
    created_at: number;
    updated_at: number;
  };
  actions: {
    id: string;
    case_id: string | null;
    tenant: string;
    type: string;
    target_kind: string;
    target_id: string;
    params: string;
    action_hash: string;
    origin: string;
    principal: string;
    principal_owner: string | null;
    context: string;
    decision: string;
    policies: string;
    policy_version: string;
    explanation: string;
    status: ActionStatus;
    approvals_required: number;
    incident_id: string | null;
    rollback_of: string | null;
    result: string | null;
    undo: string | null;
    error: string | null;
    executed_at: number | null;
    created_at: number;
    updated_at: number;
  };
  approvals: {
    id: string;
    action_id: string;
    action_hash: string;
    approver: string;
    verdict: 'approve' | 'reject';
    reason: string | null;
    created_at: number;
    expires_at: number;
  };
  grants: {
    id: string;
    action_id: string;
    action_hash: string;
    target: string;
    case_id: string | null;
    incident_id: string | null;
    issued_at: number;
    expires_at: number;
    used_at: number | null;
    revoked_at: number | null;
    revoke_reason: string | null;
  };
  incidents: {
    id: string;
    tenant: string;
    declared_by: string;
    justification: string;
    scope: string;
    started_at: number;
    expires_at: number;
    ended_at: number | null;
    end_reason: string | null;
    review_case_id: string | null;
  };
  reports: {
    id: string;
    tenant: string;
    fingerprint: string;
    sha256: string;
    message_id: string;
    subject: string;
    sender: string;
    status: 'triaged' | 'unextractable';
    verdict: 'safe' | 'malicious' | 'uncertain';
    confidence: number;
    probability: number;
    reasons: string;
    analysis: string;
    campaign_id: string | null;
    case_id: string | null;
    report_count: number;
    first_reported_at: number;
    last_reported_at: number;
    label: string | null;
  };
  report_events: { id: string; report_id: string; reporter: string; channel: string; received_at: number };
  report_blobs: { sha256: string; raw: string };
  triage_state: { id: number; clusterer: string; updated_at: number };
  campaigns: { id: string; tenant: string; name: string; criteria: string; indicators: string; created_at: number; updated_at: number };
  connector_journal: { action_id: string; step: string; data: string; created_at: number };
  policy_deployments: {
    version: string;
    deployed_at: number;
    deployed_by: string;
    sources: string;
    diff: string;
    active: number;
  };
  users: {
    subject: string;
    name: string | null;
    email: string | null;
    roles: string;
    groups: string;
    created_at: number;
    updated_at: number;
    last_login_at: number | null;
  };
  api_tokens: {
    id: string;
    name: string;
    token_hash: string;
    principal_type: string;
    roles: string;
    owner: string;
    created_by: string;
    created_at: number;
    expires_at: number;
    revoked_at: number | null;
    revoked_by: string | null;
    last_used_at: number | null;
  };
  sessions: { id_hash: string; subject: string; roles: string; csrf_token: string; method: string; created_at: number; expires_at: number };
  login_flows: { id_hash: string; state: string; code_verifier: string; nonce: string; return_to: string; expires_at: number };
  identities: {
    id: string;
    tenant: string;
    kind: string;
    class: string;
    connector: string;
    target: string;
    owner_team: string;
    body: string;
    deleted_at: number | null;
    deleted_reason: string | null;
    created_at: number;
    updated_at: number;
  };
  identity_index: { kind: 'fp' | 'key_id'; value: string; identity_id: string };
  identity_meta: { key: string; value: number };
  identity_auth_events: { id: string; tenant: string; identity_id: string | null; time: number; outcome: string; body: string; created_at: number };
  identity_findings: {
    id: string;
    tenant: string;
    uid: string;
    dedup_key: string;
    source: string;
    kind: string;
    identity_id: string | null;
    match_status: string;
    queue: string;
    body: string;
    case_id: string | null;
    plan_id: string | null;
    repeats: number;
    first_seen: number;
    last_seen: number;
  };
  identity_plans: {
    id: string;
    tenant: string;
    finding_id: string;
    identity_id: string | null;
    case_id: string | null;
    strategy: string;
    status: string;
    body: string;
    note: string | null;
    created_at: number;
    updated_at: number;
  };
  identity_plan_steps: { plan_id: string; step_id: string; kind: string; status: string; action_id: string | null; detail: string; updated_at: number };
  identity_rotations: {
    action_id: string;
    identity_id: string;
    case_id: string | null;
    status: string;
    rotation: string;
    grace_ends_at: number;
    retire_result: string | null;
    retire_reason: string | null;
    error: string | null;
    created_at: number;
    updated_at: number;
  };
}

export type CaseStatus = 'open' | 'closed';
export type ActionStatus =
  | 'awaiting_approval'
  | 'approved'
  | 'suggested'
  | 'denied'
  | 'rejected'
  | 'expired'
  | 'executing'
  | 'executed'
  | 'failed'
  | 'rolled_back';
export type JobStatus = 'ready' | 'leased' | 'done' | 'dead';
