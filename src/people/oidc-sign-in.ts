import * as client from 'openid-client';
import { WritError } from '../errors/index.ts';
import type { Ledger } from '../ledger/index.ts';
import type { Store } from '../store/index.ts';
import type { OidcSettings } from './people-config.ts';
import { randomSecret, sha256Hex } from './secret-values.ts';
import type { Session, Sessions } from './sessions.ts';
import type { UserDirectory } from './users.ts';

const FLOW_TTL_MS = 10 * 60_000;

export interface SignedIn {
  /** The session cookie's value. */
  sessionId: string;
  session: Session;
  returnTo: string;
}

/**
 * Single sign-on with OpenID Connect: authorization code flow with PKCE, state and nonce.
 * A sign-in in flight is bound to the browser that started it by a cookie whose hash keys
 * the stored flow, so a callback link sent to someone else signs nobody in. The provider's
 * metadata is discovered on first use.
 */
export class OidcSignIn {
  #configuration: Promise<client.Configuration> | undefined;

  constructor(
    private readonly store: Store,
    private readonly ledger: Ledger,
    private readonly users: UserDirectory,
    private readonly sessions: Sessions,
    readonly settings: OidcSettings,
    private readonly now: () => number,
  ) {}

  /** Starts a sign-in: returns the flow cookie value and where to send the browser. */
  async begin(returnTo: string): Promise<{ flowId: string; url: URL }> {
    const configuration = await this.configuration();
    const flowId = randomSecret();
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const now = this.now();
    await this.store.db.deleteFrom('login_flows').where('expires_at', '<=', now).execute();
    await this.store.db
      .insertInto('login_flows')
      .values({ id_hash: sha256Hex(flowId), state, code_verifier: verifier, nonce, return_to: safeReturnTo(returnTo), expires_at: now + FLOW_TTL_MS })
      .execute();
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: this.settings.redirectUrl.href,
      scope: this.settings.scopes,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { flowId, url };
  }

  /**
   * Completes a sign-in from the provider's redirect: checks state, PKCE and nonce, reads
   * the person's claims, maps their groups to roles, records the user and opens a session.
   * @throws WritError WRIT_UNAUTHENTICATED with the reason; the caller ledgers it
   */
  async finish(flowId: string | undefined, query: string): Promise<SignedIn> {
    if (!flowId) throw new WritError('WRIT_UNAUTHENTICATED', 'this sign-in was not started in this browser (no sign-in cookie)');
    const flow = await this.store.transaction(async (trx) => {
      const row = await trx.selectFrom('login_flows').selectAll().where('id_hash', '=', sha256Hex(flowId)).executeTakeFirst();
      if (row) await trx.deleteFrom('login_flows').where('id_hash', '=', row.id_hash).execute();
      return row;
    });
    if (!flow || flow.expires_at <= this.now()) throw new WritError('WRIT_UNAUTHENTICATED', 'this sign-in has expired or was already used; start again');
    const configuration = await this.configuration();
    const current = new URL(this.settings.redirectUrl.href);
    current.search = query;
    let claims: Record<string, unknown>;
    try {
      const tokens = await client.authorizationCodeGrant(configuration, current, { pkceCodeVerifier: flow.code_verifier, expectedState: flow.state, expectedNonce: flow.nonce, idTokenExpected: true });
      const idClaims = tokens.claims();
      if (!idClaims) throw new WritError('WRIT_UNAUTHENTICATED', 'the provider returned no ID token');
      claims = { ...idClaims };
      try {
        Object.assign(claims, await client.fetchUserInfo(configuration, tokens.access_token, idClaims.sub));
      } catch {
        // Userinfo is optional: the ID token's claims stand alone.
      }
    } catch (error) {
      if (error instanceof WritError) throw error;
      const reason = error instanceof Error ? `${(error as { code?: string }).code ?? error.name}: ${error.message}` : String(error);
      throw new WritError('WRIT_UNAUTHENTICATED', `the sign-in was refused: ${reason}`, { cause: error });
    }
    const subject = typeof claims.sub === 'string' ? claims.sub : '';
    if (subject === '') throw new WritError('WRIT_UNAUTHENTICATED', 'the provider named no subject');
    const groups = groupsOf(claims[this.settings.groupsClaim]);
    const roles = this.users.rolesFor(subject, groups);
    const name = typeof claims.name === 'string' ? claims.name : null;
    const email = typeof claims.email === 'string' ? claims.email : null;
    const created = await this.store.transaction(async (trx) => {
      await this.users.recordSignIn(trx, { subject, name, email, groups, roles });
      const made = await this.sessions.create(trx, { subject, roles, method: 'oidc' });
      await this.ledger.append(trx, [{ kind: 'auth.login', actor: `user:${subject}`, payload: { method: 'oidc', issuer: this.settings.issuer.href, roles, groups } }]);
      return made;
    });
    await this.ledger.afterCommit();
    return { sessionId: created.id, session: created.session, returnTo: flow.return_to };
  }

  /** Where the browser goes to end the provider's session too, when it supports it. */
  async endSessionUrl(postLogout: URL): Promise<URL | undefined> {
    try {
      const configuration = await this.configuration();
      if (!configuration.serverMetadata().end_session_endpoint) return undefined;
      return client.buildEndSessionUrl(configuration, { post_logout_redirect_uri: postLogout.href, client_id: this.settings.clientId });
    } catch {
      return undefined;
    }
  }

  private configuration(): Promise<client.Configuration> {
    if (!this.#configuration) {
      const { issuer, clientId, clientSecret } = this.settings;
      // Plain HTTP is allowed only for a provider on this machine (development and tests).
      const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname);
      const options = loopback ? { execute: [client.allowInsecureRequests] } : {};
      const auth = clientSecret ? client.ClientSecretBasic(clientSecret) : client.None();
      this.#configuration = client.discovery(issuer, clientId, clientSecret ? { client_secret: clientSecret } : {}, auth, options).catch((error: unknown) => {
        this.#configuration = undefined;
        throw new WritError('WRIT_UNAUTHENTICATED', `the identity provider ${issuer.href} cannot be reached or described itself wrongly: ${(error as Error).message}`, { cause: error });
      });
    }
    return this.#configuration;
  }
}

/** Only a path on this site: never another origin (`//evil`, `/\evil`, `https://…`). */
export function safeReturnTo(value: string | undefined): string {
  if (!value || !/^\/(?![/\\])[\x21-\x7e]*$/.test(value) || value.length > 512) return '/';
  return value;
}

function groupsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === 'string');
  return [];
}
