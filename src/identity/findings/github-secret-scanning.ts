import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { ACTIVITY, buildFinding, SEVERITY, STATUS, type ActivityId, type IdentityFinding, type SeverityId, type StatusId } from './finding.ts';
import { fingerprintAll, nowMs, parseJsonText, parseTime, unknownKeys, validate, type ParseContext } from './parse-support.ts';

const user = z.object({ login: z.string().optional(), id: z.number().optional() }).nullable().optional();

/**
 * The `secret_scanning_alert` webhook (GitHub REST description, schema
 * `webhook-secret-scanning-alert-*`): `action`, `alert` (secret-scanning-alert-webhook),
 * `repository`, optional `organization`, `enterprise`, `installation`, `sender`.
 * The webhook carries no secret; `alert.secret` is read only when present, i.e. when the
 * caller merged in the REST alert (`GET /repos/{owner}/{repo}/secret-scanning/alerts/{n}`).
 */
const payloadSchema = z.object({
  action: z.string().min(1),
  alert: z.object({
    number: z.number().int().positive(),
    created_at: z.string().optional(),
    updated_at: z.string().nullable().optional(),
    url: z.string().optional(),
    html_url: z.string().optional(),
    locations_url: z.string().optional(),
    state: z.string().optional(),
    resolution: z.string().nullable().optional(),
    resolved_at: z.string().nullable().optional(),
    resolved_by: user,
    resolution_comment: z.string().nullable().optional(),
    secret_type: z.string().min(1),
    secret_type_display_name: z.string().optional(),
    secret: z.string().optional(),
    validity: z.enum(['active', 'inactive', 'unknown']).optional(),
    push_protection_bypassed: z.boolean().nullable().optional(),
    push_protection_bypassed_by: user,
    publicly_leaked: z.boolean().nullable().optional(),
    multi_repo: z.boolean().nullable().optional(),
  }),
  repository: z.object({
    id: z.number().optional(),
    full_name: z.string().min(1),
    html_url: z.string().optional(),
    private: z.boolean().optional(),
    visibility: z.string().optional(),
  }),
  organization: z.object({ login: z.string().optional() }).nullable().optional(),
  sender: user,
});
const KNOWN = Object.keys(payloadSchema.shape);

const ACTIONS: Record<string, { activity: ActivityId; status: StatusId }> = {
  created: { activity: ACTIVITY.create, status: STATUS.new },
  reopened: { activity: ACTIVITY.update, status: STATUS.new },
  publicly_leaked: { activity: ACTIVITY.update, status: STATUS.new },
  validated: { activity: ACTIVITY.update, status: STATUS.new },
  assigned: { activity: ACTIVITY.update, status: STATUS.in_progress },
  unassigned: { activity: ACTIVITY.update, status: STATUS.new },
  resolved: { activity: ACTIVITY.close, status: STATUS.resolved },
};

/**
 * One finding from a GitHub secret-scanning alert webhook (the body as text or parsed).
 * Every action on the same alert yields the same `finding_info.uid`, so `resolved` closes
 * what `created` opened. Without `alert.secret` the finding has no fingerprint
 * (`writ.secretWithheld`) and enrichment routes it to the owner-less queue unless another
 * clue matches.
 */
export function parseGithubSecretScanningAlert(body: string | unknown, ctx: ParseContext): IdentityFinding {
  const value = typeof body === 'string' ? parseJsonText(body, 'GitHub secret scanning alert') : body;
  const p = validate(payloadSchema, value, 'GitHub secret scanning alert');
  const a = p.alert;
  const mapping = ACTIONS[p.action] ?? { activity: ACTIVITY.update, status: STATUS.new };
  const fingerprints = fingerprintAll(ctx, [a.secret]);
  const leaked = a.publicly_leaked === true || p.repository.private === false || p.repository.visibility === 'public';
  const severityId: SeverityId =
    a.validity === 'inactive' ? SEVERITY.low : a.validity === 'active' && leaked ? SEVERITY.critical : SEVERITY.high;
  const confidence = a.validity === 'active' ? 90 : a.validity === 'inactive' ? 40 : 70;
  const created = parseTime(a.created_at);
  const updated = parseTime(a.updated_at ?? undefined);
  const display = a.secret_type_display_name ?? a.secret_type;
  const data: Record<string, string | number | boolean> = { alert_number: a.number, action: p.action, secret_type: a.secret_type };
  if (a.validity) data.validity = a.validity;
  if (a.resolution) data.resolution = a.resolution;
  if (a.push_protection_bypassed) data.push_protection_bypassed = true;
  if (a.publicly_leaked) data.publicly_leaked = true;
  if (a.multi_repo) data.multi_repo = true;
  const ignored = [...unknownKeys(value, KNOWN), ...unknownKeys((value as { alert?: unknown }).alert, Object.keys(payloadSchema.shape.alert.shape)).map((k) => `alert.${k}`)];
  return buildFinding({
    activityId: mapping.activity,
    statusId: mapping.status,
    time: updated ?? created ?? nowMs(ctx),
    severityId,
    confidenceScore: confidence,
    message: `GitHub secret scanning alert #${a.number} (${display}) ${p.action} in ${p.repository.full_name}${a.resolution ? ` as ${a.resolution}` : ''}`,
    product: { name: 'GitHub secret scanning', vendor_name: 'GitHub' },
    sourceUid: `${p.repository.full_name}#${a.number}`,
    ...(a.created_at ? { originalTime: a.created_at } : {}),
    uidSeed: `${p.repository.full_name}#${a.number}`,
    title: `Secret exposed: ${display}`,
    types: ['secret_exposure'],
    ...(a.html_url ? { srcUrl: a.html_url } : {}),
    ...(created === undefined ? {} : { firstSeen: created }),
    ...(updated === undefined ? {} : { lastSeen: updated }),
    analytic: { name: a.secret_type },
    resources: [{ type: 'repository', name: p.repository.full_name, ...(p.repository.id === undefined ? {} : { uid: String(p.repository.id) }) }],
    evidences: [{ data }],
    ignoredFields: ignored,
    writ: {
      kind: 'secret_exposure',
      source: 'github_secret_scanning',
      credential: { fingerprints, keyIds: [], secretType: a.secret_type },
      verified: a.validity === 'active',
      secretWithheld: fingerprints.length === 0,
    },
  });
}

/**
 * Checks GitHub's `X-Hub-Signature-256` header (`sha256=` + hex HMAC-SHA256 of the raw body
 * with the webhook secret), in constant time. The body must be the exact bytes received.
 */
export function verifyGithubWebhookSignature(rawBody: string | Buffer, header: string | undefined, secret: string): boolean {
  if (!header?.startsWith('sha256=') || secret === '') return false;
  const given = Buffer.from(header.slice('sha256='.length), 'hex');
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}
