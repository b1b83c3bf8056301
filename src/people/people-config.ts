import { z } from 'zod';
import { WritError } from '../errors/index.ts';
import { parseRoleMap, type Role } from './roles.ts';

/** OpenID Connect single sign-on (authorization code + PKCE). */
export interface OidcSettings {
  issuer: URL;
  clientId: string;
  /** Absent for a public client (PKCE only). Never logged, never returned. */
  clientSecret: string | undefined;
  /** Writ's `/auth/callback` as the provider knows it. */
  redirectUrl: URL;
  scopes: string;
  /** The claim holding the user's groups (ID token or userinfo). */
  groupsClaim: string;
  /** OIDC group → roles. */
  roleMap: Readonly<Record<string, readonly Role[]>>;
}

export interface PeopleConfig {
  /** null: single sign-on is not configured (API tokens only). */
  oidc: OidcSettings | null;
  /** Subject → roles given by configuration, added to those mapped from groups. */
  userRoles: Readonly<Record<string, readonly Role[]>>;
  sessionTtlMs: number;
  /** Session cookies carry `Secure` (and the `__Host-` prefix). */
  cookieSecure: boolean;
  /** The longest lifetime an API token may be given. */
  tokenMaxTtlMs: number;
}

const DAY = 86_400_000;

/** Fills defaults and checks a people configuration given in code (tests, embedding). */
export function compilePeopleConfig(input: Partial<PeopleConfig> = {}): PeopleConfig {
  const {
    oidc = null,
    userRoles = {},
    sessionTtlMs = 8 * 3_600_000,
    cookieSecure = oidc ? oidc.redirectUrl.protocol === 'https:' : false,
    tokenMaxTtlMs = 90 * DAY,
  } = input;
  if (!Number.isSafeInteger(sessionTtlMs) || sessionTtlMs < 60_000) throw new WritError('WRIT_CONFIG_INVALID', 'the session lifetime must be at least a minute');
  if (!Number.isSafeInteger(tokenMaxTtlMs) || tokenMaxTtlMs < 60_000) throw new WritError('WRIT_CONFIG_INVALID', 'the API token lifetime cap must be at least a minute');
  return Object.freeze({ oidc: oidc && Object.freeze({ ...oidc }), userRoles: Object.freeze({ ...userRoles }), sessionTtlMs, cookieSecure, tokenMaxTtlMs });
}

const url = z.string().refine((s) => URL.canParse(s), 'must be an absolute URL');
const schema = z.object({
  WRIT_OIDC_ISSUER: url.optional(),
  WRIT_OIDC_CLIENT_ID: z.string().min(1).optional(),
  WRIT_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  WRIT_OIDC_REDIRECT_URL: url.optional(),
  WRIT_OIDC_SCOPES: z.string().min(1).default('openid profile email'),
  WRIT_OIDC_GROUPS_CLAIM: z.string().min(1).default('groups'),
  WRIT_OIDC_ROLE_MAP: z.string().default(''),
  WRIT_USER_ROLES: z.string().default(''),
  WRIT_SESSION_TTL_MS: z.coerce.number().int().min(60_000).max(30 * DAY).default(8 * 3_600_000),
  WRIT_COOKIE_SECURE: z.enum(['true', 'false']).optional(),
  WRIT_API_TOKEN_MAX_TTL_MS: z.coerce.number().int().min(60_000).max(3650 * DAY).default(90 * DAY),
});

/**
 * Reads the people settings from the environment. `httpBase` is where Writ listens, for the
 * default redirect URL. One clear error names the variable at fault.
 */
export function loadPeopleConfig(env: NodeJS.ProcessEnv, httpBase: string): PeopleConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new WritError('WRIT_CONFIG_INVALID', `${String(issue?.path[0] ?? 'environment')}: ${issue?.message ?? 'invalid'}`);
  }
  const e = parsed.data;
  if ((e.WRIT_OIDC_ISSUER === undefined) !== (e.WRIT_OIDC_CLIENT_ID === undefined)) {
    throw new WritError('WRIT_CONFIG_INVALID', 'WRIT_OIDC_ISSUER and WRIT_OIDC_CLIENT_ID are set together or not at all');
  }
  const oidc: OidcSettings | null =
    e.WRIT_OIDC_ISSUER && e.WRIT_OIDC_CLIENT_ID
      ? {
          issuer: new URL(e.WRIT_OIDC_ISSUER),
          clientId: e.WRIT_OIDC_CLIENT_ID,
          clientSecret: e.WRIT_OIDC_CLIENT_SECRET,
          redirectUrl: new URL(e.WRIT_OIDC_REDIRECT_URL ?? `${httpBase}/auth/callback`),
          scopes: e.WRIT_OIDC_SCOPES,
          groupsClaim: e.WRIT_OIDC_GROUPS_CLAIM,
          roleMap: parseRoleMap(e.WRIT_OIDC_ROLE_MAP, 'WRIT_OIDC_ROLE_MAP'),
        }
      : null;
  return compilePeopleConfig({
    oidc,
    userRoles: parseRoleMap(e.WRIT_USER_ROLES, 'WRIT_USER_ROLES'),
    sessionTtlMs: e.WRIT_SESSION_TTL_MS,
    ...(e.WRIT_COOKIE_SECURE === undefined ? {} : { cookieSecure: e.WRIT_COOKIE_SECURE === 'true' }),
    tokenMaxTtlMs: e.WRIT_API_TOKEN_MAX_TTL_MS,
  });
}
