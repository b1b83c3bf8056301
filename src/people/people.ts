import type { Ledger } from '../ledger/index.ts';
import type { Store } from '../store/index.ts';
import { AccessPolicy } from './access-policy.ts';
import { ApiTokens } from './api-tokens.ts';
import { OidcSignIn } from './oidc-sign-in.ts';
import type { PeopleConfig } from './people-config.ts';
import { Sessions } from './sessions.ts';
import { UserDirectory } from './users.ts';

/** Users, roles, API tokens, sessions, single sign-on and the API access policy, wired once. */
export interface People {
  config: PeopleConfig;
  users: UserDirectory;
  tokens: ApiTokens;
  sessions: Sessions;
  /** null when single sign-on is not configured. */
  oidc: OidcSignIn | null;
  access: AccessPolicy;
}

export interface PeopleOptions {
  now?: () => number;
  /** How long a looked-up token or session is trusted before it is read again (default 2 s). */
  cacheMs?: number;
  access?: AccessPolicy;
}

export function createPeople(store: Store, ledger: Ledger, config: PeopleConfig, options: PeopleOptions = {}): People {
  const now = options.now ?? Date.now;
  const cache = options.cacheMs === undefined ? {} : { cacheMs: options.cacheMs };
  const users = new UserDirectory(store, config, now);
  const sessions = new Sessions(store, { ttlMs: config.sessionTtlMs, now, ...cache });
  return {
    config,
    users,
    sessions,
    tokens: new ApiTokens(store, ledger, { maxTtlMs: config.tokenMaxTtlMs, now, ...cache }),
    oidc: config.oidc ? new OidcSignIn(store, ledger, users, sessions, config.oidc, now) : null,
    access: options.access ?? AccessPolicy.load(),
  };
}
