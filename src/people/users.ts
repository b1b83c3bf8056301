import type { Db, Store } from '../store/index.ts';
import { normalizeRoles, type Role } from './roles.ts';
import type { PeopleConfig } from './people-config.ts';

export interface User {
  subject: string;
  name: string | null;
  email: string | null;
  roles: Role[];
  groups: string[];
  lastLoginAt: number | null;
}

/**
 * People known to Writ. A person's roles are those configuration gives their subject plus
 * those mapped from their OIDC groups, computed at each sign-in; nothing else grants one.
 */
export class UserDirectory {
  constructor(
    private readonly store: Store,
    private readonly config: PeopleConfig,
    private readonly now: () => number,
  ) {}

  rolesFor(subject: string, groups: readonly string[]): Role[] {
    const mapped = groups.flatMap((g) => this.config.oidc?.roleMap[g] ?? []);
    return normalizeRoles([...(this.config.userRoles[subject] ?? []), ...mapped]);
  }

  async recordSignIn(trx: Db, person: { subject: string; name: string | null; email: string | null; groups: string[]; roles: Role[] }): Promise<void> {
    const now = this.now();
    const values = { name: person.name, email: person.email, roles: JSON.stringify(person.roles), groups: JSON.stringify(person.groups), updated_at: now, last_login_at: now };
    await trx
      .insertInto('users')
      .values({ subject: person.subject, created_at: now, ...values })
      .onConflict((oc) => oc.column('subject').doUpdateSet(values))
      .execute();
  }

  async get(subject: string): Promise<User | undefined> {
    const row = await this.store.db.selectFrom('users').selectAll().where('subject', '=', subject).executeTakeFirst();
    return row && toUser(row);
  }

  async list(limit = 500): Promise<User[]> {
    const rows = await this.store.db.selectFrom('users').selectAll().orderBy('subject').limit(limit).execute();
    return rows.map(toUser);
  }
}

function toUser(row: { subject: string; name: string | null; email: string | null; roles: string; groups: string; last_login_at: number | null }): User {
  return {
    subject: row.subject,
    name: row.name,
    email: row.email,
    roles: normalizeRoles(JSON.parse(row.roles) as unknown[]),
    groups: JSON.parse(row.groups) as string[],
    lastLoginAt: row.last_login_at,
  };
}
