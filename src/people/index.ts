/**
 * People and access: roles, users (roles from configuration or OIDC groups), API tokens for
 * automations (hashed, scoped, expiring, revocable), browser sessions, OpenID Connect
 * single sign-on, and the Cedar policy that authorises every API request.
 */
export { ROLES, ELEVATABLE_ROLES, isRole, normalizeRoles, parseRoleMap, type Role } from './roles.ts';
export { compilePeopleConfig, loadPeopleConfig, type OidcSettings, type PeopleConfig } from './people-config.ts';
export { UserDirectory, type User } from './users.ts';
export { ApiTokens, PEOPLE_ONLY_ROLES, TOKEN_NAME, TOKEN_PRINCIPAL_TYPES, type ApiToken, type NewApiToken, type TokenCheck, type TokenPrincipalType } from './api-tokens.ts';
export { Sessions, type Session } from './sessions.ts';
export { OidcSignIn, safeReturnTo, type SignedIn } from './oidc-sign-in.ts';
export { AccessPolicy, API_POLICY_DIR, type AccessDecision, type AccessRequest } from './access-policy.ts';
export { createPeople, type People, type PeopleOptions } from './people.ts';
export { equalSecrets } from './secret-values.ts';
