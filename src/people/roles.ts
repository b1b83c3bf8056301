import { WritError } from '../errors/index.ts';

/**
 * The roles a person or an automation can hold. They combine: an analyst who also approves
 * holds both. What each may do is written in Cedar (`policies/api/`), not here.
 */
export const ROLES = ['viewer', 'analyst', 'approver', 'incident_commander', 'policy_admin', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Roles an incident commander may hand out for an incident's duration (never admin rights). */
export const ELEVATABLE_ROLES: readonly Role[] = ['viewer', 'analyst', 'approver', 'incident_commander'];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Sorted, without duplicates or unknown names. */
export function normalizeRoles(values: Iterable<unknown>): Role[] {
  const set = new Set<Role>();
  for (const value of values) if (isRole(value)) set.add(value);
  return ROLES.filter((r) => set.has(r));
}

/**
 * Parses `key=role+role,key2=role` (a subject or an OIDC group on the left). Used for
 * `WRIT_USER_ROLES` and `WRIT_OIDC_ROLE_MAP`.
 * @throws WritError WRIT_CONFIG_INVALID naming the variable and the bad entry
 */
export function parseRoleMap(text: string, variable: string): Record<string, Role[]> {
  const out: Record<string, Role[]> = {};
  for (const entry of text.split(',').map((e) => e.trim()).filter((e) => e !== '')) {
    const at = entry.lastIndexOf('=');
    const key = at > 0 ? entry.slice(0, at).trim() : '';
    const roles = at > 0 ? entry.slice(at + 1).split('+').map((r) => r.trim()) : [];
    if (key === '' || roles.length === 0 || roles.some((r) => !isRole(r))) {
      throw new WritError('WRIT_CONFIG_INVALID', `${variable}: "${entry}" must be name=role+role with roles from ${ROLES.join(', ')}`);
    }
    out[key] = normalizeRoles([...(out[key] ?? []), ...roles]);
  }
  return out;
}
