import { z } from 'zod';
import { WritError } from '../../errors/index.ts';
import { buildFinding, SEVERITY, type FindingEvidence, type IdentityFinding } from './finding.ts';
import { sourceSchema, type AuthSource } from './auth-log.ts';
import { fingerprintAll, nowMs, parseJsonText, unknownKeys, validate, type ParseContext } from './parse-support.ts';

const principalSchema = z.object({
  identity_id: z.string().min(1).optional(),
  key_id: z.string().min(1).optional(),
  name: z.string().min(1).optional(),
  system: z.string().min(1).optional(),
});
const timeSchema = z.union([z.number().int().nonnegative(), z.iso.datetime({ offset: true })]).transform((t) => (typeof t === 'number' ? t : Date.parse(t)));

/**
 * An anomalous use of a credential reported by a detector (a SIEM rule, a cloud sign-in
 * risk engine, or Writ's own {@link assessAuthEvent}):
 *
 * ```json
 * { "type": "anomalous_use", "reason": "unusual_source" | "impossible_travel",
 *   "time": "2025-01-01T10:00:00Z", "principal": { "identity_id"?, "key_id"?, "name"?, "system"? },
 *   "source": { "ip", "asn", "country", "city", "lat", "lon" }, "previous_source"?: { …, "time" },
 *   "confidence"?: 0-100, "detector"?: "name", "event_id"?: "…", "token"?: "<raw, fingerprinted at once>" }
 * ```
 */
const anomalySchema = z.object({
  type: z.literal('anomalous_use'),
  reason: z.enum(['unusual_source', 'impossible_travel']),
  time: timeSchema,
  principal: principalSchema,
  source: sourceSchema,
  previous_source: sourceSchema.extend({ time: timeSchema.optional() }).optional(),
  confidence: z.number().min(0).max(100).optional(),
  detector: z.string().min(1).max(200).optional(),
  event_id: z.string().min(1).max(200).optional(),
  token: z.string().min(1).optional(),
  details: z.string().max(1000).optional(),
});

/**
 * Use of a credential known to be compromised (it is on a revocation list, an intel feed,
 * or was leaked before), seen at a gateway or in an auth log:
 *
 * ```json
 * { "type": "compromised_token_use", "time": "…", "token"?: "<raw>", "token_fingerprint"?: "fp:…",
 *   "key_id"?: "…", "principal"?: { … }, "source": { … }, "feed"?: "name", "event_id"?: "…",
 *   "request"?: { "method": "GET", "path": "/v1/…" } }
 * ```
 * At least one of `token`, `token_fingerprint`, `key_id` or `principal` must say which credential.
 */
const compromisedSchema = z.object({
  type: z.literal('compromised_token_use'),
  time: timeSchema,
  token: z.string().min(1).optional(),
  token_fingerprint: z.string().regex(/^fp:[\x21-\x7e]{8,256}$/).optional(),
  key_id: z.string().min(1).optional(),
  principal: principalSchema.optional(),
  source: sourceSchema.default({}),
  feed: z.string().min(1).max(200).optional(),
  event_id: z.string().min(1).max(200).optional(),
  request: z.object({ method: z.string().max(16).optional(), path: z.string().max(1000).optional() }).optional(),
});

function input(body: string | unknown, what: string): unknown {
  return typeof body === 'string' ? parseJsonText(body, what) : body;
}

/** An anomalous-use report as a finding. A raw `token` is fingerprinted and dropped. */
export function parseAnomalousUseEvent(body: string | unknown, ctx: ParseContext): IdentityFinding {
  const value = input(body, 'anomalous-use event');
  const e = validate(anomalySchema, value, 'anomalous-use event');
  requirePrincipal(e.principal, e.token, 'anomalous-use event');
  const fingerprints = fingerprintAll(ctx, [e.token]);
  const travel = e.reason === 'impossible_travel';
  const who = e.principal.name ?? e.principal.identity_id ?? e.principal.key_id ?? 'a credential';
  const evidences: FindingEvidence[] = [endpointEvidence(e.source, { observed: 'current' })];
  if (e.previous_source) {
    const { time, ...prev } = e.previous_source;
    evidences.push(endpointEvidence(prev, { observed: 'previous', ...(time === undefined ? {} : { time }) }));
  }
  return buildFinding({
    time: e.time,
    severityId: travel ? SEVERITY.high : SEVERITY.medium,
    confidenceScore: e.confidence ?? (travel ? 75 : 60),
    message: `${travel ? 'Impossible travel' : 'Unusual source'} for ${who}${e.source.ip ? ` from ${e.source.ip}` : ''}${e.source.country ? ` (${e.source.country})` : ''}${e.details ? `: ${e.details}` : ''}`,
    product: { name: e.detector ?? 'anomaly detector', vendor_name: e.detector ?? 'writ' },
    ...(e.event_id ? { sourceUid: e.event_id } : {}),
    uidSeed: e.event_id ?? `${e.reason}:${who}:${e.time}:${e.source.ip ?? ''}`,
    title: travel ? 'Anomalous use: impossible travel' : 'Anomalous use: unusual source',
    types: ['anomalous_use', e.reason],
    analytic: { name: e.reason },
    evidences: evidences.map((ev, i) => (i === 0 ? withActor(ev, e.principal) : ev)),
    ignoredFields: unknownKeys(value, Object.keys(anomalySchema.shape)),
    writ: {
      kind: 'anomalous_use',
      source: 'anomaly',
      credential: credentialOf(e.principal, fingerprints, []),
      verified: false,
      secretWithheld: fingerprints.length === 0,
    },
  });
}

/** A use of a known-compromised token as a finding. A raw `token` is fingerprinted and dropped. */
export function parseCompromisedTokenUse(body: string | unknown, ctx: ParseContext): IdentityFinding {
  const value = input(body, 'compromised-token event');
  const e = validate(compromisedSchema, value, 'compromised-token event');
  const principal = e.principal ?? {};
  if (!e.token && !e.token_fingerprint && !e.key_id) requirePrincipal(principal, undefined, 'compromised-token event');
  const fingerprints = [...new Set([...fingerprintAll(ctx, [e.token]), ...(e.token_fingerprint ? [e.token_fingerprint] : [])])];
  const keyIds = e.key_id ? [e.key_id] : [];
  const who = principal.name ?? principal.identity_id ?? e.key_id ?? 'a known-compromised token';
  const data: Record<string, string> = {};
  if (e.feed) data.feed = e.feed;
  if (e.request?.method) data.method = e.request.method;
  if (e.request?.path) data.path = e.request.path;
  return buildFinding({
    time: e.time,
    severityId: SEVERITY.critical,
    confidenceScore: 95,
    message: `Known-compromised credential used by ${who}${e.source.ip ? ` from ${e.source.ip}` : ''}${e.feed ? ` (listed by ${e.feed})` : ''}`,
    product: { name: e.feed ?? 'compromised credential watch', vendor_name: e.feed ?? 'writ' },
    ...(e.event_id ? { sourceUid: e.event_id } : {}),
    uidSeed: e.event_id ?? `${who}:${e.time}:${fingerprints.join(',')}:${e.source.ip ?? ''}`,
    title: 'Use of a known-compromised credential',
    types: ['compromised_token_use'],
    analytic: { name: 'compromised_token_use' },
    evidences: [withActor({ ...endpointEvidence(e.source, {}), ...(Object.keys(data).length ? { data } : {}) }, principal)],
    ignoredFields: unknownKeys(value, Object.keys(compromisedSchema.shape)),
    writ: {
      kind: 'compromised_token_use',
      source: 'compromised_token',
      credential: credentialOf(principal, fingerprints, keyIds),
      verified: true,
      secretWithheld: fingerprints.length === 0,
    },
  });
}

type Principal = z.output<typeof principalSchema>;

function requirePrincipal(p: Principal, token: string | undefined, what: string): void {
  if (token || p.identity_id || p.key_id || (p.name && p.system)) return;
  throw new WritError('WRIT_INPUT_INVALID', `${what}, field principal: must name identity_id, key_id, or name with system`);
}

function credentialOf(p: Principal, fingerprints: string[], keyIds: string[]): IdentityFinding['writ']['credential'] {
  const ids = [...new Set([...keyIds, ...(p.key_id ? [p.key_id] : [])])];
  return {
    fingerprints,
    keyIds: ids,
    ...(p.identity_id ? { identityId: p.identity_id } : {}),
    ...(p.name ? { principal: { name: p.name, ...(p.system ? { system: p.system } : {}) } } : {}),
  };
}

function endpointEvidence(s: AuthSource, data: Record<string, string | number>): FindingEvidence {
  const location = {
    ...(s.country ? { country: s.country } : {}),
    ...(s.city ? { city: s.city } : {}),
    ...(s.lat === undefined ? {} : { lat: s.lat }),
    ...(s.lon === undefined ? {} : { long: s.lon }),
  };
  return {
    src_endpoint: {
      ...(s.ip ? { ip: s.ip } : {}),
      ...(Object.keys(location).length ? { location } : {}),
      ...(s.asn === undefined ? {} : { autonomous_system: { number: s.asn } }),
    },
    ...(Object.keys(data).length ? { data } : {}),
  };
}

function withActor(ev: FindingEvidence, p: Principal): FindingEvidence {
  if (!p.name && !p.identity_id) return ev;
  return { ...ev, actor: { user: { ...(p.name ? { name: p.name } : {}), ...(p.identity_id ? { uid: p.identity_id } : {}), type: 'service_principal' } } };
}
