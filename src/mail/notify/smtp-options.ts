import { WritError } from '../../errors/index.ts';
import { isPlainAddress } from './notifier.ts';

export type StartTls = 'required' | 'opportunistic' | 'never';

export interface SmtpOptions {
  host: string;
  port: number;
  /** TLS from the first byte (SMTPS, usually port 465). */
  secure?: boolean;
  user?: string;
  /** Required with `user`; never logged, never part of an error. */
  password?: string;
  /** The sender: `soc@example.com` or `Security Operations <soc@example.com>`. */
  from: string;
  /** Fail a send that takes longer (connection, greeting, each command), default 15 s. One message never takes more than three times this. */
  timeoutMs?: number;
  /**
   * STARTTLS on a plain connection: `required` (the default with credentials, which are
   * never sent in clear), `opportunistic` (the default otherwise: upgrade when the server
   * offers it, with a verified certificate), `never` (a loopback relay). Ignored with `secure`.
   */
  starttls?: StartTls;
  /** PEM certificate(s) to trust for the server, for a relay with an internal CA. */
  ca?: string;
}

export interface CompiledSmtpOptions {
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  readonly auth: { readonly user: string; readonly password: string } | null;
  readonly from: string;
  /** The bare address of `from`: the envelope sender. */
  readonly envelopeFrom: string;
  readonly timeoutMs: number;
  readonly starttls: StartTls;
  readonly ca: string | null;
}

const MAX_TIMEOUT_MS = 10 * 60_000;

/** Defaults and validation in one place; the result is frozen. Throws `WRIT_CONFIG_INVALID`. */
export function compileSmtpOptions(options: SmtpOptions): CompiledSmtpOptions {
  const { host, port, secure = false, user, password, from, timeoutMs = 15_000, ca } = options;
  const invalid = (message: string) => new WritError('WRIT_CONFIG_INVALID', `SMTP: ${message}`);
  if (typeof host !== 'string' || host === '' || /[\s/@]/.test(host)) throw invalid('host must be a host name or address');
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw invalid('port must be an integer from 1 to 65535');
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS) throw invalid(`timeoutMs must be an integer from 1 to ${MAX_TIMEOUT_MS}`);
  const envelopeFrom = senderAddress(from);
  if (envelopeFrom === null) throw invalid('from must be an address, optionally with a display name ("Security <soc@example.com>")');
  if ((user === undefined || user === '') !== (password === undefined || password === '')) {
    throw invalid('user and password go together (a secret never defaults to empty)');
  }
  const auth = user ? { user, password: password as string } : null;
  const starttls = options.starttls ?? (auth ? 'required' : 'opportunistic');
  if (!['required', 'opportunistic', 'never'].includes(starttls)) throw invalid('starttls must be required, opportunistic or never');
  if (auth && !secure && starttls !== 'required') throw invalid('credentials are only sent over TLS: use secure (smtps) or starttls=required');
  return Object.freeze({ host, port, secure, auth: auth && Object.freeze(auth), from: from.trim(), envelopeFrom, timeoutMs, starttls, ca: ca ?? null });
}

/**
 * Options from a URL, for configuration: `smtp://[user:password@]host[:port][?starttls=required|opportunistic|never]`
 * (port 25 by default) or `smtps://…` (TLS from the start, port 465). User and password are
 * percent-decoded.
 */
export function smtpOptionsFromUrl(url: string, rest: Omit<SmtpOptions, 'host' | 'port' | 'secure' | 'user' | 'password' | 'starttls'>): SmtpOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new WritError('WRIT_CONFIG_INVALID', 'SMTP: the URL cannot be parsed (expected smtp://host:port or smtps://host:port)');
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') throw new WritError('WRIT_CONFIG_INVALID', `SMTP: unsupported scheme ${parsed.protocol} (expected smtp: or smtps:)`);
  if (parsed.pathname !== '' && parsed.pathname !== '/') throw new WritError('WRIT_CONFIG_INVALID', 'SMTP: the URL has a path; expected smtp://host:port');
  const secure = parsed.protocol === 'smtps:';
  const starttls = parsed.searchParams.get('starttls');
  for (const key of parsed.searchParams.keys()) {
    if (key !== 'starttls') throw new WritError('WRIT_CONFIG_INVALID', `SMTP: unknown URL parameter ${key}`);
  }
  const decode = (value: string) => {
    try {
      return decodeURIComponent(value);
    } catch {
      throw new WritError('WRIT_CONFIG_INVALID', 'SMTP: the URL credentials are not valid percent-encoding');
    }
  };
  return {
    ...rest,
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port === '' ? (secure ? 465 : 25) : Number(parsed.port),
    secure,
    ...(parsed.username ? { user: decode(parsed.username) } : {}),
    ...(parsed.password ? { password: decode(parsed.password) } : {}),
    ...(starttls === null ? {} : { starttls: starttls as StartTls }),
  };
}

/** `a@b` or `Name <a@b>` → `a@b`; null for anything else (several addresses, line breaks, groups). */
export function senderAddress(from: string): string | null {
  if (typeof from !== 'string' || /[\u0000-\u001f\u007f]/.test(from)) return null;
  const trimmed = from.trim();
  if (isPlainAddress(trimmed)) return trimmed;
  const named = /^(?:"[^"\\]{0,200}"|[^"<>,;:@\\]{0,200})\s*<([^<>]+)>$/.exec(trimmed);
  return named?.[1] !== undefined && isPlainAddress(named[1]) ? named[1] : null;
}
