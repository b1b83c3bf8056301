import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface TestPerson {
  name: string;
  email: string;
  groups: string[];
}

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  close(): Promise<void>;
}

/**
 * A real OpenID provider (oidc-provider) on 127.0.0.1 with its development sign-in pages
 * (any login name; the password is ignored). People's claims, groups included, come from
 * `people`; unknown logins get no groups.
 */
export async function startTestProvider(redirectUri: string, people: Record<string, TestPerson>): Promise<TestProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientSecret = 'test-client-secret-not-a-real-one';
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'writ',
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        post_logout_redirect_uris: [new URL('/', redirectUri).href],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    claims: { openid: ['sub'], profile: ['name'], email: ['email'], groups: ['groups'] },
    scopes: ['openid', 'profile', 'email', 'groups'],
    pkce: { required: () => true },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
    cookies: { keys: ['oidc-test-cookie-key'] },
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    async findAccount(_ctx: unknown, sub: string) {
      const person = people[sub];
      return {
        accountId: sub,
        async claims() {
          return { sub, ...(person ? { name: person.name, email: person.email, groups: person.groups } : { groups: [] }) };
        },
      };
    },
  });
  server.on('request', provider.callback());
  return {
    issuer,
    clientId: 'writ',
    clientSecret,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A minimal cookie-keeping browser over fetch: follows nothing by itself, so each hop can be checked. */
export class FetchBrowser {
  readonly #jar = new Map<string, Map<string, string>>();
  readonly setCookies: string[] = [];

  async get(url: string): Promise<Response> {
    return this.send(url, { method: 'GET' });
  }

  async postForm(url: string, form: Record<string, string>): Promise<Response> {
    return this.send(url, { method: 'POST', body: new URLSearchParams(form).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  }

  async send(url: string, init: RequestInit): Promise<Response> {
    const origin = new URL(url).origin;
    const jar = this.#jar.get(origin) ?? new Map<string, string>();
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string> | undefined), ...(cookie ? { cookie } : {}) } });
    for (const line of response.headers.getSetCookie()) {
      this.setCookies.push(line);
      const [pair, ...attributes] = line.split(';');
      const name = pair!.slice(0, pair!.indexOf('=')).trim();
      const value = pair!.slice(pair!.indexOf('=') + 1).trim();
      const expired = value === '' || attributes.some((a) => /max-age=0\b/i.test(a.trim()) || (/^expires=/i.test(a.trim()) && Date.parse(a.trim().slice(8)) < Date.now()));
      if (expired) jar.delete(name);
      else jar.set(name, value);
    }
    this.#jar.set(origin, jar);
    return response;
  }

  cookie(origin: string, name: string): string | undefined {
    return this.#jar.get(origin)?.get(name);
  }

  forget(origin: string, name: string): void {
    this.#jar.get(origin)?.delete(name);
  }

  /**
   * Walks the provider's development pages as a person would: sign in as `login`, consent,
   * and stop at the redirect back to Writ (returned, not followed).
   */
  async signInAtProvider(startUrl: string, login: string, writOrigin: string): Promise<string> {
    let url = startUrl;
    for (let hop = 0; hop < 20; hop++) {
      if (url.startsWith(writOrigin)) return url;
      const response = await this.get(url);
      if (response.status >= 300 && response.status < 400) {
        url = new URL(response.headers.get('location')!, url).href;
        continue;
      }
      const html = await response.text();
      const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
      if (!action) throw new Error(`unexpected provider page (${response.status}): ${html.slice(0, 300)}`);
      const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1] ?? 'consent';
      const submitted = await this.postForm(new URL(action.replace(/&amp;/g, '&'), url).href, prompt === 'login' ? { prompt, login, password: 'any' } : { prompt });
      url = new URL(submitted.headers.get('location')!, url).href;
    }
    throw new Error('too many hops at the provider');
  }
}

/** A port free on 127.0.0.1 now (for servers whose URL must be known before they start). */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
