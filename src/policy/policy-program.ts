import type { PolicyJson } from './cedar.ts';

/**
 * A fast path for the simple policies most sets are made of.
 *
 * A call into cedar-wasm costs ~25 µs before it evaluates anything (the request crosses the
 * JS/wasm boundary field by field) and a few µs per policy. Policies whose scope and
 * conditions use only the subset below are compiled here into closures that give exactly
 * Cedar's result: satisfied, not satisfied, or an evaluation error (an unknown field, an
 * absent principal entity). Everything else is left to Cedar. The subset:
 *
 * - scope: `All`, `==` an entity, `is` a type (no `is … in`), and for the action `in` entities;
 * - literals: booleans, strings, safe integers, entity references, sets of these;
 * - `context.<field>`, `principal.actions`, `principal.roles`, `principal has <attr>`;
 * - `principal is T`, `resource is T`, `action == A`, `action in A | [A, …]`;
 * - `&&`, `||`, `!`, `==`, `!=`, `<`, `<=`, `>`, `>=`, `.contains(…)`.
 *
 * Evaluation follows Cedar's order: scope, then each clause in turn, `&&`/`||` short-circuit
 * left to right, an error propagates. A type mismatch (impossible after strict validation)
 * throws `Unsupported`, and the engine then asks Cedar for the whole slice instead.
 * Tests compare this path with plain Cedar on generated requests.
 */
export interface EntityValue {
  readonly type: string;
  readonly id: string;
}
type Value = boolean | number | string | EntityValue | readonly Value[];

export interface ProgramEnv {
  readonly principal: EntityValue;
  readonly action: string;
  /** The action and every group it is in. */
  readonly ancestors: ReadonlySet<string>;
  readonly resource: EntityValue;
  readonly context: Readonly<Record<string, string | number | boolean>>;
  /** Principal attributes; undefined when the principal entity is absent. */
  readonly principalAttrs: Readonly<Record<string, readonly Value[] | undefined>> | undefined;
}

/** Cedar would report an evaluation error for this policy. */
export class EvaluationError {
  constructor(readonly message: string) {}
}

/** Outside what the fast path can vouch for: let Cedar decide. */
export class Unsupported extends Error {}

/** True when satisfied, false when not; throws EvaluationError or Unsupported. */
export type PolicyProgram = (env: ProgramEnv) => boolean;
type Fn = (env: ProgramEnv) => Value;

const PRINCIPAL_ATTRS = new Set(['actions', 'roles']);

/** Compiles a policy, or returns null when it uses anything outside the subset. */
export function compileProgram(policy: PolicyJson): PolicyProgram | null {
  const principal = compileScope(policy.principal, (env) => env.principal);
  const resource = compileScope(policy.resource, (env) => env.resource);
  const action = compileActionScope(policy.action);
  if (principal === null || resource === null || action === null) return null;
  const clauses: Array<{ fn: Fn; negate: boolean }> = [];
  for (const clause of policy.conditions) {
    const fn = compileExpr(clause.body);
    if (fn === null) return null;
    clauses.push({ fn, negate: clause.kind === 'unless' });
  }
  return (env) => {
    if (!principal(env) || !action(env) || !resource(env)) return false;
    for (const { fn, negate } of clauses) {
      if (asBool(fn(env)) === negate) return false;
    }
    return true;
  };
}

type Scope = PolicyJson['principal'];

function compileScope(scope: Scope, pick: (env: ProgramEnv) => EntityValue): ((env: ProgramEnv) => boolean) | null {
  if (scope.op === 'All') return () => true;
  if (scope.op === 'is' && scope.in === undefined) {
    const type = scope.entity_type;
    return (env) => pick(env).type === type;
  }
  if (scope.op === '==' && 'entity' in scope) {
    const target = entity(scope.entity);
    return (env) => sameEntity(pick(env), target);
  }
  return null;
}

function compileActionScope(scope: PolicyJson['action']): ((env: ProgramEnv) => boolean) | null {
  if (scope.op === 'All') return () => true;
  if (scope.op === '==') {
    if (!('entity' in scope)) return null;
    const target = entity(scope.entity);
    return (env) => target.type === 'Action' && env.action === target.id;
  }
  const targets = ('entities' in scope ? scope.entities : [scope.entity]).map(entity);
  if (targets.some((t) => t.type !== 'Action')) return null;
  return (env) => targets.some((t) => env.ancestors.has(t.id));
}

function compileExpr(node: unknown): Fn | null {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return null;
  const keys = Object.keys(node);
  if (keys.length !== 1) return null;
  const key = keys[0] as string;
  const arg = (node as Record<string, unknown>)[key] as Record<string, unknown>;
  switch (key) {
    case 'Value': {
      const value = literal(arg);
      return value === null ? null : () => value;
    }
    case 'Var':
      return compileVar(arg as unknown as string);
    case '.':
      return compileAttr(arg.left, arg.attr);
    case 'has':
      return compileHas(arg.left, arg.attr);
    case 'is': {
      const left = arg.left as { Var?: unknown };
      if (arg.in !== undefined || (left.Var !== 'principal' && left.Var !== 'resource')) return null;
      const type = arg.entity_type as string;
      return left.Var === 'principal' ? (env) => env.principal.type === type : (env) => env.resource.type === type;
    }
    case '!': {
      const inner = compileExpr(arg.arg);
      return inner === null ? null : (env) => !asBool(inner(env));
    }
    case '&&':
    case '||': {
      const left = compileExpr(arg.left);
      const right = compileExpr(arg.right);
      if (left === null || right === null) return null;
      return key === '&&'
        ? (env) => asBool(left(env)) && asBool(right(env))
        : (env) => asBool(left(env)) || asBool(right(env));
    }
    case '==':
    case '!=': {
      const left = compileExpr(arg.left);
      const right = compileExpr(arg.right);
      if (left === null || right === null) return null;
      return key === '==' ? (env) => equal(left(env), right(env)) : (env) => !equal(left(env), right(env));
    }
    case '<':
    case '<=':
    case '>':
    case '>=':
      return compileCompare(key, arg.left, arg.right);
    case 'contains': {
      const left = compileExpr(arg.left);
      const right = compileExpr(arg.right);
      if (left === null || right === null) return null;
      return (env) => {
        const set = left(env);
        if (!Array.isArray(set)) throw new Unsupported('contains on a non-set');
        const item = right(env);
        return set.some((member: Value) => equal(member, item));
      };
    }
    case 'Set': {
      if (!Array.isArray(arg)) return null;
      const items = arg.map(compileExpr);
      if (items.some((f) => f === null)) return null;
      const fns = items as Fn[];
      return (env) => fns.map((f) => f(env));
    }
    case 'in': {
      if ((arg.left as { Var?: unknown }).Var !== 'action') return null;
      const right = literalEntities(arg.right);
      if (right === null || right.some((t) => t.type !== 'Action')) return null;
      return (env) => right.some((t) => env.ancestors.has(t.id));
    }
    default:
      return null;
  }
}

function compileVar(name: string): Fn | null {
  if (name === 'principal') return (env) => env.principal;
  if (name === 'resource') return (env) => env.resource;
  if (name === 'action') return (env) => ({ type: 'Action', id: env.action });
  return null;
}

function compileAttr(left: unknown, attr: unknown): Fn | null {
  if (typeof attr !== 'string') return null;
  const variable = (left as { Var?: unknown } | null)?.Var;
  if (variable === 'context') {
    return (env) => {
      const value = Object.hasOwn(env.context, attr) ? env.context[attr] : undefined;
      if (value === undefined) throw new EvaluationError(`record does not have the attribute \`${attr}\``);
      return value;
    };
  }
  if (variable === 'principal' && PRINCIPAL_ATTRS.has(attr)) {
    return (env) => {
      if (env.principalAttrs === undefined) throw new EvaluationError(`entity \`${describe(env.principal)}\` does not exist`);
      const value = env.principalAttrs[attr];
      if (value === undefined) throw new EvaluationError(`\`${describe(env.principal)}\` does not have the attribute \`${attr}\``);
      return value;
    };
  }
  return null;
}

function compileHas(left: unknown, attr: unknown): Fn | null {
  if (typeof attr !== 'string' || (left as { Var?: unknown } | null)?.Var !== 'principal' || !PRINCIPAL_ATTRS.has(attr)) {
    return null;
  }
  // An absent entity has no attributes: Cedar answers false, not an error.
  return (env) => env.principalAttrs !== undefined && env.principalAttrs[attr] !== undefined;
}

function compileCompare(op: '<' | '<=' | '>' | '>=', l: unknown, r: unknown): Fn | null {
  const left = compileExpr(l);
  const right = compileExpr(r);
  if (left === null || right === null) return null;
  return (env) => {
    const a = left(env);
    const b = right(env);
    if (typeof a !== 'number' || typeof b !== 'number') throw new Unsupported(`${op} on a non-Long`);
    return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
  };
}

function literal(value: unknown): Value | null {
  if (typeof value === 'boolean' || typeof value === 'string') return value;
  // Cedar's Long is 64-bit; beyond 2^53 a JS number would compare wrongly.
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : null;
  if (Array.isArray(value)) {
    const items = value.map(literal);
    return items.some((v) => v === null) ? null : (items as Value[]);
  }
  if (typeof value === 'object' && value !== null && '__entity' in value) return entity(value as EntityRef);
  return null;
}

function literalEntities(node: unknown): EntityValue[] | null {
  const record = node as { Value?: unknown; Set?: unknown } | null;
  if (record === null || typeof record !== 'object') return null;
  if (record.Value !== undefined) {
    const value = literal(record.Value);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return [value as EntityValue];
    return null;
  }
  if (Array.isArray(record.Set)) {
    const out: EntityValue[] = [];
    for (const item of record.Set) {
      const found = literalEntities(item);
      if (found === null || found.length !== 1) return null;
      out.push(...found);
    }
    return out;
  }
  return null;
}

type EntityRef = { __entity: { type: string; id: string } } | { type: string; id: string };

function entity(ref: EntityRef): EntityValue {
  return '__entity' in ref ? { type: ref.__entity.type, id: ref.__entity.id } : { type: ref.type, id: ref.id };
}

function sameEntity(a: EntityValue, b: EntityValue): boolean {
  return a.type === b.type && a.id === b.id;
}

function asBool(value: Value): boolean {
  if (typeof value !== 'boolean') throw new Unsupported('expected a boolean');
  return value;
}

/** Cedar equality: values of different types are unequal, never an error. */
function equal(a: Value, b: Value): boolean {
  if (typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b)) return false;
    // Set equality: same members regardless of order or repetition.
    return a.every((x: Value) => b.some((y: Value) => equal(x, y))) && b.every((y: Value) => a.some((x: Value) => equal(x, y)));
  }
  return sameEntity(a as EntityValue, b as EntityValue);
}

function describe(e: EntityValue): string {
  return `${e.type}::${JSON.stringify(e.id)}`;
}
