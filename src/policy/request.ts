import { z } from 'zod';
import { getActionType, type TargetKind } from '../actions/index.ts';
import { WritError } from '../errors/index.ts';

export const PRINCIPAL_TYPES = ['workflow', 'advisor', 'user', 'agent'] as const;
export type PrincipalType = (typeof PRINCIPAL_TYPES)[number];
export const RESOURCE_TYPES = ['message', 'campaign', 'identity', 'host', 'case', 'tenant'] as const;

export const IDENTITY_CLASSES = [
  'customer_facing_production',
  'internal_batch',
  'ci_cd',
  'partner_integration',
  'break_glass',
  'disaster_recovery',
] as const;
export const ORIGINS = ['rule', 'ai', 'human'] as const;
export const MODES = ['normal', 'major_incident'] as const;
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;

// `null` is accepted and means the same as leaving the field out: unknown.
const unit = z.number().min(0).max(1).nullish();
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullish();

const contextSchema = z.strictObject({
  confidence: unit,
  uncertainty: unit,
  blast_radius: count,
  dependents: count,
  identity_class: z.enum(IDENTITY_CLASSES).nullish(),
  reversible: z.boolean().nullish(),
  regulated: z.boolean().nullish(),
  origin: z.enum(ORIGINS).nullish(),
  mode: z.enum(MODES).nullish(),
  severity: z.enum(SEVERITIES).nullish(),
});

export type DecisionContext = z.infer<typeof contextSchema>;
export const CONTEXT_FIELDS = Object.keys(contextSchema.shape) as ReadonlyArray<keyof DecisionContext>;

const requestSchema = z.strictObject({
  principal: z.strictObject({ type: z.enum(PRINCIPAL_TYPES), id: z.string().min(1).max(512) }),
  action: z.string().min(1).max(100),
  resource: z.strictObject({ type: z.enum(RESOURCE_TYPES), id: z.string().min(1).max(2048) }),
  tenant: z.string().min(1).max(200),
  context: contextSchema,
});

/**
 * The decision request, exactly as policy authors, the CLI (`writ policy explain
 * --request FILE`) and the API take it. Context fields left out (or null) are unknown.
 */
export type DecisionRequest = z.infer<typeof requestSchema>;

/** Cedar's view of the context: permille integers, unknown fields absent. */
export type CedarContext = Record<string, number | string | boolean>;

export interface NormalizedRequest {
  request: DecisionRequest;
  cedarContext: CedarContext;
  /** Context fields the request left unknown, in schema order. */
  unknown: string[];
}

/**
 * Validates a decision request and converts its context for Cedar.
 * @throws WritError WRIT_INPUT_INVALID (missing or ill-typed field), WRIT_ACTION_UNKNOWN
 */
export function normalizeRequest(input: unknown): NormalizedRequest {
  const parsed = requestSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    let where = issue === undefined || issue.path.length === 0 ? 'request' : issue.path.map(String).join('.');
    let message = issue?.message ?? 'invalid';
    if (issue?.code === 'unrecognized_keys') {
      where = [...issue.path.map(String), issue.keys[0] ?? ''].filter((s) => s !== '').join('.');
      message = 'unknown field';
    } else if (issue?.code === 'invalid_type' && issue.input === undefined) {
      message = 'required';
    }
    throw new WritError('WRIT_INPUT_INVALID', `invalid decision request: ${where}: ${message}`, {
      details: { field: where },
    });
  }
  const request = parsed.data;
  const type = getActionType(request.action);
  if (!type.targets.includes(request.resource.type as TargetKind)) {
    throw new WritError(
      'WRIT_INPUT_INVALID',
      `invalid decision request: resource.type: ${request.action} acts on ${type.targets.join(' or ')}, not ${request.resource.type}`,
      { details: { field: 'resource.type' } },
    );
  }
  const cedarContext: CedarContext = {};
  const unknown: string[] = [];
  for (const field of CONTEXT_FIELDS) {
    const value = request.context[field];
    if (value === undefined || value === null) unknown.push(field);
    else if (field === 'confidence') cedarContext[field] = toPermille(value as number, 'down');
    else if (field === 'uncertainty') cedarContext[field] = toPermille(value as number, 'up');
    else cedarContext[field] = value;
  }
  return { request, cedarContext, unknown };
}

/**
 * 0..1 to integer permille. Rounding at a threshold must not flatter the request: confidence
 * rounds down, uncertainty up. Rounding to a millionth first removes binary noise
 * (0.57 * 1000 is 569.999…), which would otherwise cost a whole permille.
 */
export function toPermille(value: number, direction: 'up' | 'down'): number {
  const micro = Math.round(value * 1_000_000) / 1000;
  return direction === 'down' ? Math.floor(micro) : Math.ceil(micro);
}
