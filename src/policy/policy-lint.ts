import type { PolicyJson } from './cedar.ts';

/**
 * Finds uses of `context` that could observe an unknown field without erroring.
 *
 * The engine leaves unknown context fields out, so `context.x` errors when x is unknown,
 * and the tiering treats an erroring forbid as applying and an erroring permit as granting
 * nothing. That only holds if every read of the context is a plain `context.<field>`:
 * `context has x` is false rather than an error (a forbid guarded by it would silently
 * switch off), and comparing `context` as a whole sees absence as a value. Such policies
 * are refused at load.
 */
export function findContextMisuse(policy: PolicyJson): string[] {
  const problems: string[] = [];
  for (const clause of policy.conditions) walk(clause.body, problems);
  return problems;
}

function isContextVar(node: unknown): boolean {
  return typeof node === 'object' && node !== null && (node as { Var?: unknown }).Var === 'context';
}

function walk(node: unknown, problems: string[]): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, problems);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const record = node as Record<string, unknown>;
  if (isContextVar(record)) {
    problems.push('uses `context` other than as `context.<field>`; read fields directly, unknown ones are handled by Writ');
    return;
  }
  for (const [key, value] of Object.entries(record)) {
    // A literal cannot mention a variable.
    if (key === 'Value') continue;
    if (key === '.' && isContextVar((value as { left?: unknown }).left)) continue;
    if (key === 'has' && isContextVar((value as { left?: unknown }).left)) {
      const attr = (value as { attr?: unknown }).attr;
      problems.push(
        `tests \`context has ${Array.isArray(attr) ? attr.join('.') : String(attr)}\`; an unknown field must not switch a policy off, so read it directly`,
      );
      continue;
    }
    walk(value, problems);
  }
}
