/** The console's one door to the server: same-origin fetch, the session cookie, CSRF on writes. */

export interface Problem {
  code: string;
  title: string;
  status: number;
  detail: string;
  [extension: string]: unknown;
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(`${problem.code}: ${problem.detail}`);
  }
}

let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const method = init.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const response = await fetch(path, { method, headers, credentials: 'same-origin', ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });
  const text = await response.text();
  const body = text === '' ? null : (JSON.parse(text) as unknown);
  if (!response.ok) {
    const problem = (body as Problem | null) ?? { code: 'WRIT_INTERNAL', title: 'Error', status: response.status, detail: response.statusText };
    throw new ApiError(problem);
  }
  return body as T;
}

export interface Me {
  actor: string;
  kind: 'person' | 'automation';
  name: string | null;
  roles: string[];
  elevated: string[];
  permissions: string[];
  csrfToken: string | null;
  sessionExpiresAt: number | null;
  signInAvailable: boolean;
}

export interface CaseView {
  id: string;
  type: string;
  title: string;
  tenant: string;
  status: 'open' | 'closed';
  severity: string;
  queue: string | null;
  slaDueAt: number | null;
  openedBy: string;
  criteria: string[];
  facts: Record<string, unknown>;
  closedAt: number | null;
  closedBy: string | null;
  closeMode: 'evidence' | 'override' | null;
  closeReason: string | null;
  createdAt?: number;
}

export interface Approval {
  approver: string;
  verdict: 'approve' | 'reject';
  actionHash: string;
  reason: string | null;
  at: number;
  expiresAt: number;
  valid: boolean;
}

export interface ActionView {
  id: string;
  caseId: string | null;
  tenant: string;
  type: string;
  target: { type: string; id: string };
  params: Record<string, unknown>;
  actionHash: string;
  origin: 'rule' | 'ai' | 'human';
  principal: string;
  principalOwner: string | null;
  decision: 'auto' | 'approve' | 'dual' | 'suggest' | 'deny';
  policies: string[];
  policyVersion: string;
  explanation: string;
  status: string;
  approvalsRequired: number;
  rollbackOf: string | null;
  result: unknown;
  error: string | null;
  approvals: Approval[];
  createdAt: number;
}

export interface Incident {
  id: string;
  tenant: string;
  declaredBy: string;
  justification: string;
  scope: { summary: string; systems?: string[]; elevatedAccess?: Array<{ user: string; role: string }> };
  startedAt: number;
  expiresAt: number;
}

export interface Page<T> {
  items: T[];
  next: string | null;
}
