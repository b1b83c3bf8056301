import { createHash } from 'node:crypto';
import { listActionTypes } from '../actions/index.ts';
import { WritError } from '../errors/index.ts';
import { canonicalize } from '../ledger/canonical-json.ts';
import { cedar, describeCedarError, type DetailedError, type PolicyJson } from './cedar.ts';
import { findContextMisuse } from './policy-lint.ts';
import { isFloor, isTier, type DecisionKind } from './tiers.ts';

/**
 * The canonical sources of a policy set: what a deployment stores and ledgers. `files`
 * maps a POSIX path relative to the policy directory (`mail.cedar`,
 * `tenants/acme/stricter.cedar`) to its text with LF line endings.
 */
export interface PolicySources {
  schema: string;
  files: Readonly<Record<string, string>>;
}

export interface PolicyInfo {
  id: string;
  effect: 'permit' | 'forbid';
  /** A permit's `@tier`, or a forbid's `@floor` (`deny` when it has none). */
  level: DecisionKind;
  /** The tenant whose overlay holds it; null for the shared base. */
  tenant: string | null;
  file: string;
  line: number;
  /** The comment right above the policy: the reason, quoted in explanations. */
  description: string;
  source: string;
  json: PolicyJson;
}

export interface CompiledPolicySet {
  /** Hex SHA-256 of the canonical sources: equal sources, equal version. */
  readonly version: string;
  readonly sources: PolicySources;
  readonly policies: readonly PolicyInfo[];
  /** Tenants that have an overlay, sorted. */
  readonly tenants: readonly string[];
  readonly warnings: readonly string[];
  /** Each catalogue action with itself and every action group it is in (for `action in ...`). */
  readonly actionAncestors: ReadonlyMap<string, ReadonlySet<string>>;
}

const POLICY_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const TENANT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const ENTITY_TYPES = ['Workflow', 'Advisor', 'Agent', 'User', 'Message', 'Campaign', 'Identity', 'Host', 'Case', 'Tenant'];

/** LF line endings, no BOM, keys sorted: the form that is hashed and stored. */
export function canonicalSources(sources: PolicySources): PolicySources {
  const clean = (text: string) => text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const files: Record<string, string> = {};
  for (const path of Object.keys(sources.files).sort()) files[path] = clean(sources.files[path] ?? '');
  return { schema: clean(sources.schema), files };
}

export function policySetVersion(sources: PolicySources): string {
  const canonical = canonicalSources(sources);
  const body = canonicalize({ format: 'writ.policy-set.v1', schema: canonical.schema, files: canonical.files });
  return createHash('sha256').update(body, 'utf8').digest('hex');
}

/**
 * Parses, checks and validates a policy set against its schema (Cedar strict mode).
 * Every policy needs a unique `@id`; a permit needs `@tier`; a forbid may have `@floor`.
 * @throws WritError WRIT_POLICY_INVALID naming file, line and Cedar's own message;
 *   `details.errors` lists every problem found.
 */
export function compilePolicySet(input: PolicySources): CompiledPolicySet {
  const sources = canonicalSources(input);
  const errors: string[] = [];
  const warnings: string[] = [];

  const actionAncestors = readSchema(sources.schema, errors);
  if (errors.length > 0) throw invalid(errors);

  const policies: PolicyInfo[] = [];
  /** Every policy Cedar could parse, even with Writ-level problems, so all errors show at once. */
  const parsed: ParsedPolicy[] = [];
  const tenants = new Set<string>();
  for (const [file, text] of Object.entries(sources.files)) {
    const tenant = tenantOf(file, errors);
    if (tenant === undefined) continue;
    if (tenant !== null) tenants.add(tenant);
    parsed.push(...parseFile(file, text, tenant, errors));
  }

  const seen = new Map<string, ParsedPolicy>();
  for (const p of parsed) {
    const first = seen.get(p.id);
    if (first !== undefined) {
      errors.push(`${p.file}:${p.line} policy "${p.id}": the id is already used at ${first.file}:${first.line}`);
      continue;
    }
    seen.set(p.id, p);
    const level = levelOf(p.json, `${p.file}:${p.line} policy "${p.id}"`, errors);
    for (const problem of findContextMisuse(p.json)) errors.push(`${p.file}:${p.line} policy "${p.id}": ${problem}`);
    if (level !== undefined) policies.push({ ...p, level });
  }
  if (parsed.length === 0 && errors.length === 0) errors.push('the policy set has no policies');

  if (seen.size > 0) {
    const answer = cedar.validate({
      schema: sources.schema,
      policies: { staticPolicies: Object.fromEntries([...seen.values()].map((p) => [p.id, p.source])) },
      validationSettings: { mode: 'strict' },
    });
    if (answer.type === 'failure') {
      errors.push(...answer.errors.map((e) => describeCedarError(e)));
    } else {
      // Cedar reports a mistake once per action the policy applies to; say it once.
      const repeats = new Map<string, number>();
      const firstOf = new Map<string, number>();
      for (const { policyId, error } of answer.validationErrors) {
        const loc = error.sourceLocations?.[0];
        const key = `${policyId}@${loc?.start ?? ''}-${loc?.end ?? ''}`;
        if (firstOf.has(key)) {
          repeats.set(key, (repeats.get(key) ?? 0) + 1);
          continue;
        }
        const p = seen.get(policyId);
        firstOf.set(key, errors.length);
        errors.push(`${p === undefined ? policyId : whereIn(p, error)}: ${describeCedarError(error)}`);
      }
      for (const [key, count] of repeats) {
        const at = firstOf.get(key) ?? -1;
        errors[at] = `${errors[at] ?? ''} (and ${count} more like it, for other actions)`;
      }
      for (const { policyId, error } of answer.validationWarnings) {
        const p = seen.get(policyId);
        warnings.push(`${p === undefined ? policyId : `${p.file}:${p.line} policy "${p.id}"`}: ${describeCedarError(error)}`);
      }
    }
  }
  if (errors.length > 0) throw invalid(errors);

  return Object.freeze({
    version: policySetVersion(sources),
    sources,
    policies: Object.freeze(policies),
    tenants: Object.freeze([...tenants].sort()),
    warnings: Object.freeze(warnings),
    actionAncestors,
  });
}

export interface PolicySetDiff {
  added: string[];
  removed: string[];
  /** Same id, different meaning (scope, conditions, annotations or tenant); comments and layout do not count. */
  changed: string[];
  schemaChanged: boolean;
}

/** What a deployment changes, by policy id, for the ledger. */
export function diffPolicySets(a: CompiledPolicySet, b: CompiledPolicySet): PolicySetDiff {
  const meaning = (p: PolicyInfo) => canonicalize({ tenant: p.tenant, policy: p.json });
  const before = new Map(a.policies.map((p) => [p.id, meaning(p)]));
  const after = new Map(b.policies.map((p) => [p.id, meaning(p)]));
  const sorted = (ids: Iterable<string>) => [...ids].sort();
  return {
    added: sorted([...after.keys()].filter((id) => !before.has(id))),
    removed: sorted([...before.keys()].filter((id) => !after.has(id))),
    changed: sorted([...after.keys()].filter((id) => before.has(id) && before.get(id) !== after.get(id))),
    schemaChanged: a.sources.schema !== b.sources.schema,
  };
}

function invalid(errors: string[]): WritError {
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  return new WritError('WRIT_POLICY_INVALID', `${errors[0] ?? 'invalid policy set'}${more}`, { details: { errors } });
}

/** Points at the line of the error inside the policy, when Cedar gives a location. */
function whereIn(policy: ParsedPolicy, error: DetailedError): string {
  const start = error.sourceLocations?.[0]?.start;
  const line = start === undefined ? policy.line : policy.line + countLines(policy.source.slice(0, start));
  return `${policy.file}:${line} policy "${policy.id}"`;
}

function countLines(text: string): number {
  let n = 0;
  for (const ch of text) if (ch === '\n') n += 1;
  return n;
}

/** null for the base, the tenant for `tenants/<tenant>/*.cedar`, undefined when the path is refused. */
function tenantOf(file: string, errors: string[]): string | null | undefined {
  const parts = file.split('/');
  if (!file.endsWith('.cedar')) errors.push(`${file}: policy files must end in .cedar`);
  else if (parts.length === 1) return null;
  else if (parts.length === 3 && parts[0] === 'tenants' && TENANT.test(parts[1] ?? '')) return parts[1] ?? null;
  else errors.push(`${file}: policy files live in the base directory or in tenants/<tenant>/`);
  return undefined;
}

function readSchema(schema: string, errors: string[]): Map<string, Set<string>> {
  const answer = cedar.schemaToJson(schema);
  if (answer.type === 'failure') {
    errors.push(...answer.errors.map((e) => `schema: ${describeCedarError(e)}`));
    return new Map();
  }
  const namespace = answer.json[''];
  if (namespace === undefined) {
    errors.push('schema: Writ policies use the empty namespace (Action::"quarantine_message", Workflow)');
    return new Map();
  }
  for (const type of ENTITY_TYPES) {
    if (namespace.entityTypes[type] === undefined) errors.push(`schema: entity type ${type} is missing`);
  }
  const parents = (name: string) => (namespace.actions[name]?.memberOf ?? []).map((m) => m.id);
  const ancestors = new Map<string, Set<string>>();
  for (const type of listActionTypes()) {
    if (namespace.actions[type.name]?.appliesTo === undefined) {
      errors.push(`schema: action ${type.name} is missing (every catalogue action needs one)`);
      continue;
    }
    const found = new Set<string>([type.name]);
    const queue = parents(type.name);
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      if (!found.has(next)) {
        found.add(next);
        queue.push(...parents(next));
      }
    }
    ancestors.set(type.name, found);
  }
  return ancestors;
}

type ParsedPolicy = Omit<PolicyInfo, 'level'>;

function parseFile(file: string, text: string, tenant: string | null, errors: string[]): ParsedPolicy[] {
  const parts = cedar.policySetTextToParts(text);
  if (parts.type === 'failure') {
    for (const error of parts.errors) {
      const start = error.sourceLocations?.[0]?.start;
      const line = start === undefined ? '' : `:${1 + countLines(text.slice(0, start))}`;
      errors.push(`${file}${line}: ${describeCedarError(error)}`);
    }
    return [];
  }
  if (parts.policy_templates.length > 0) {
    errors.push(`${file}: templates (policies with ?principal or ?resource slots) are not supported`);
  }
  const located = parts.policies
    .map((source) => ({ source, offset: text.indexOf(source) }))
    .sort((x, y) => x.offset - y.offset);
  const out: ParsedPolicy[] = [];
  for (const { source, offset } of located) {
    const line = 1 + countLines(text.slice(0, Math.max(offset, 0)));
    const json = cedar.policyToJson(source);
    if (json.type === 'failure') {
      errors.push(`${file}:${line}: ${json.errors.map((e) => describeCedarError(e)).join('; ')}`);
      continue;
    }
    const id = json.json.annotations?.id;
    if (id === undefined || !POLICY_ID.test(id)) {
      const found = id === undefined ? 'none' : `"${id}"`;
      errors.push(`${file}:${line}: every policy needs @id("...") (letters, digits, . _ : -), found ${found}`);
      continue;
    }
    out.push({ id, effect: json.json.effect, tenant, file, line, description: commentAbove(text, offset), source, json: json.json });
  }
  return out;
}

function levelOf(policy: PolicyJson, at: string, errors: string[]): DecisionKind | undefined {
  const notes = policy.annotations ?? {};
  if (policy.effect === 'permit') {
    if (notes.floor !== undefined) errors.push(`${at}: @floor belongs on a forbid; a permit says what it grants with @tier`);
    if (!isTier(notes.tier)) {
      errors.push(`${at}: a permit needs @tier("auto"|"approve"|"dual"|"suggest"), found ${notes.tier === undefined ? 'none' : `"${notes.tier}"`}`);
      return undefined;
    }
    return notes.tier;
  }
  if (notes.tier !== undefined) errors.push(`${at}: @tier belongs on a permit; a forbid raises the tier with @floor`);
  if (notes.floor === undefined) return 'deny';
  if (!isFloor(notes.floor)) {
    errors.push(`${at}: @floor must be "approve", "dual" or "suggest" (leave it out to deny), found "${notes.floor}"`);
    return undefined;
  }
  return notes.floor;
}

/** The `//` comment block ending right above the policy. */
function commentAbove(text: string, offset: number): string {
  const lines = text.slice(0, Math.max(offset, 0)).split('\n');
  lines.pop();
  const comment: string[] = [];
  for (let line = lines.pop(); line !== undefined && /^\s*\/\//.test(line); line = lines.pop()) {
    comment.unshift(line.replace(/^\s*\/\/\s?/, '').trim());
  }
  return comment.join(' ').trim();
}
