import type { Principal } from '../kernel/index.ts';
import type { ApiToken, Role, Session } from '../people/index.ts';

/**
 * Who is making a request, as authenticated: a person (session cookie), an automation (API
 * token), or nobody (public routes). The actor string is what the kernel and the ledger see;
 * it never comes from a request body.
 */
export type Caller =
  | { kind: 'person'; subject: string; actor: string; roles: Role[]; elevated: Role[]; session: Session & { id: string } }
  | { kind: 'automation'; actor: string; roles: Role[]; elevated: []; token: ApiToken }
  | { kind: 'anonymous'; actor: 'anonymous'; roles: []; elevated: [] };

export const ANONYMOUS: Caller = { kind: 'anonymous', actor: 'anonymous', roles: [], elevated: [] };

/** The kernel principal for a caller: a person is a user; a token is the automation it stands for. */
export function principalOf(caller: Caller): Principal {
  switch (caller.kind) {
    case 'person':
      return { type: 'user', id: caller.subject, roles: caller.roles };
    case 'automation':
      return { type: caller.token.principalType, id: caller.token.name, owner: caller.token.owner };
    case 'anonymous':
      throw new Error('an anonymous caller has no principal');
  }
}
