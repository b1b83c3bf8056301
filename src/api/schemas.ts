import { z } from 'zod';
import { TARGET_KINDS } from '../actions/index.ts';
import { IDENTITY_CLASSES, SEVERITIES } from '../policy/index.ts';
import { ROLES } from '../people/index.ts';

/** Shared request and response shapes of the HTTP API. */

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    instance: z.string().optional(),
  })
  .loose()
  .describe('Problem (RFC 9457)');

export const id = z.string().min(1).max(200);
export const tenant = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/);
export const severity = z.enum(SEVERITIES);
export const role = z.enum(ROLES);
export const limit = (max = 200, fallback = 50) => z.coerce.number().int().min(1).max(max).default(fallback);
export const cursor = z.string().max(512).optional();
export const idParams = z.strictObject({ id });

export const caseView = z.object({
  id: z.string(),
  type: z.string(),
  title: z.string(),
  tenant: z.string(),
  status: z.enum(['open', 'closed']),
  severity: z.string(),
  queue: z.string().nullable(),
  slaDueAt: z.number().nullable(),
  openedBy: z.string(),
  criteria: z.array(z.string()),
  facts: z.record(z.string(), z.unknown()),
  closedAt: z.number().nullable(),
  closedBy: z.string().nullable(),
  closeMode: z.enum(['evidence', 'override']).nullable(),
  closeReason: z.string().nullable(),
  createdAt: z.number().optional(),
});

export const actionView = z.object({
  id: z.string(),
  caseId: z.string().nullable(),
  tenant: z.string(),
  type: z.string(),
  target: z.object({ type: z.string(), id: z.string() }),
  params: z.record(z.string(), z.unknown()),
  actionHash: z.string(),
  origin: z.enum(['rule', 'ai', 'human']),
  principal: z.string(),
  decision: z.enum(['auto', 'approve', 'dual', 'suggest', 'deny']),
  policies: z.array(z.string()),
  policyVersion: z.string(),
  explanation: z.string(),
  status: z.string(),
  approvalsRequired: z.number().int(),
  rollbackOf: z.string().nullable(),
  result: z.unknown(),
  undo: z.record(z.string(), z.unknown()).nullable(),
  error: z.string().nullable(),
});

export const approvalView = z.object({
  approver: z.string(),
  verdict: z.enum(['approve', 'reject']),
  actionHash: z.string(),
  reason: z.string().nullable(),
  at: z.number(),
  expiresAt: z.number(),
  /** Counts toward the action as it now stands: same hash, unexpired. */
  valid: z.boolean(),
});

export const actionWithApprovals = actionView.extend({ approvals: z.array(approvalView), createdAt: z.number(), principalOwner: z.string().nullable() });

export const criterionResult = z.object({ criterion: z.string(), met: z.boolean(), evidence: z.unknown() });

export const incidentView = z.object({
  id: z.string(),
  tenant: z.string(),
  declaredBy: z.string(),
  justification: z.string(),
  scope: z.object({
    summary: z.string(),
    systems: z.array(z.string()).optional(),
    elevatedAccess: z.array(z.object({ user: z.string(), role: z.string() })).optional(),
  }),
  startedAt: z.number(),
  expiresAt: z.number(),
  endedAt: z.number().nullable(),
  endReason: z.string().nullable(),
  reviewCaseId: z.string().nullable(),
});

export const ledgerEntryView = z.object({
  seq: z.number().int(),
  time: z.string(),
  kind: z.string(),
  actor: z.string(),
  subjects: z.object({ case: z.string().optional(), campaign: z.string().optional(), identity: z.string().optional(), action: z.string().optional() }),
  payload: z.unknown(),
  leafHash: z.string(),
});

export const targetSchema = z.strictObject({ type: z.enum(TARGET_KINDS), id: z.string().min(1).max(2048) });

export const proposalContext = z.strictObject({
  confidence: z.number().min(0).max(1).optional(),
  uncertainty: z.number().min(0).max(1).optional(),
  dependents: z.number().int().min(0).optional(),
  identity_class: z.enum(IDENTITY_CLASSES).optional(),
  severity: severity.optional(),
});

export const policySourcesBody = z.strictObject({
  /** Path → Cedar text: `name.cedar` for the base, `tenants/<tenant>/name.cedar` for overlays. */
  files: z.record(z.string().min(1).max(256), z.string().max(512 * 1024)),
  /** Cedar schema text; default the shipped schema. */
  schema: z.string().max(512 * 1024).optional(),
});

export const inclusionProofView = z.object({ leaf_index: z.number(), tree_size: z.number(), leaf: z.string(), path: z.array(z.string()), root: z.string(), checkpoint: z.string() });
export const consistencyProofView = z.object({ old_size: z.number(), new_size: z.number(), path: z.array(z.string()), old_root: z.string(), new_root: z.string() });

export const tokenView = z.object({
  id: z.string(),
  name: z.string(),
  principalType: z.enum(['workflow', 'agent']),
  roles: z.array(role),
  owner: z.string(),
  createdBy: z.string(),
  createdAt: z.number(),
  expiresAt: z.number(),
  revokedAt: z.number().nullable(),
  revokedBy: z.string().nullable(),
  lastUsedAt: z.number().nullable(),
});

export const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), next: z.string().nullable() });
