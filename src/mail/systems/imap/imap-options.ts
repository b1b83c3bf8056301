import { WritError } from '../../../errors/index.ts';
import { compileRetryPolicy, type RetryPolicy } from '../retry.ts';

export interface ImapOptions {
  host: string;
  port: number;
  /** Implicit TLS (port 993). Default: true on port 993, otherwise false (STARTTLS when offered). */
  secure?: boolean;
  tls?: { rejectUnauthorized?: boolean; servername?: string };
  /**
   * The admin identity that reaches every mailbox: Dovecot's master user, logging in as
   * `<mailbox><separator><masterUser>`. The password is a secret: it is never logged.
   */
  masterUser: string;
  masterPassword: string;
  /** Dovecot's `auth_master_user_separator`; default `*`. */
  masterSeparator?: string;
  /** IMAP cannot list accounts: the mailboxes to search come from the directory (a list, or a function). */
  mailboxes: readonly string[] | (() => Promise<readonly string[]>);
  /** Default `Quarantine`; created in a mailbox the first time it is needed. */
  quarantineFolder?: string;
  /**
   * Connections open at once, across every operation of this instance; default 8. One per
   * mailbox at a time. The work is bound by round trips and logins, not bandwidth: on the
   * benchmark machine 8 contain 1,000 mailboxes in about 45 s where 4 need about 75 s.
   */
  concurrency?: number;
  /** Back-off when a connection fails or drops; the unit of retry is one mailbox's share of the work. */
  retry?: Partial<RetryPolicy>;
  /** Connect and greeting timeout; default 10 s. */
  connectTimeoutMs?: number;
  /** A socket idle this long is dropped (and the work retried); default 60 s. */
  socketTimeoutMs?: number;
}

export interface CompiledImapOptions {
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  readonly tls: Readonly<{ rejectUnauthorized?: boolean; servername?: string }>;
  readonly masterUser: string;
  readonly masterPassword: string;
  readonly masterSeparator: string;
  readonly mailboxes: () => Promise<readonly string[]>;
  readonly quarantineFolder: string;
  readonly concurrency: number;
  readonly retry: RetryPolicy;
  readonly connectTimeoutMs: number;
  readonly socketTimeoutMs: number;
}

export function compileImapOptions(options: ImapOptions): CompiledImapOptions {
  const {
    host,
    port,
    secure = port === 993,
    tls = {},
    masterUser,
    masterPassword,
    masterSeparator = '*',
    mailboxes,
    quarantineFolder = 'Quarantine',
    concurrency = 8,
    retry,
    connectTimeoutMs = 10_000,
    socketTimeoutMs = 60_000,
  } = options;
  const invalid = (message: string): never => {
    throw new WritError('WRIT_CONFIG_INVALID', `imap: ${message}`);
  };
  if (typeof host !== 'string' || host === '') invalid('host is required');
  if (!Number.isInteger(port) || port < 1 || port > 65_535) invalid('port must be 1-65535');
  if (typeof masterUser !== 'string' || masterUser === '') invalid('masterUser is required');
  if (typeof masterPassword !== 'string' || masterPassword === '') invalid('masterPassword is required (it has no default)');
  if (typeof masterSeparator !== 'string' || masterSeparator === '') invalid('masterSeparator must be a non-empty string');
  if (typeof quarantineFolder !== 'string' || quarantineFolder === '' || quarantineFolder.toUpperCase() === 'INBOX') {
    invalid('quarantineFolder must be a folder other than INBOX');
  }
  if (!Number.isInteger(concurrency) || concurrency < 1) invalid('concurrency must be a positive integer');
  if (!(connectTimeoutMs > 0) || !(socketTimeoutMs > 0)) invalid('timeouts must be positive');
  const listed = mailboxes;
  const source =
    typeof listed === 'function'
      ? listed
      : Array.isArray(listed)
        ? async () => listed
        : invalid('mailboxes must be a list or a function returning one');
  const compiled = {
    host,
    port,
    secure,
    tls: Object.freeze({ ...tls }),
    masterUser,
    masterSeparator,
    mailboxes: source,
    quarantineFolder,
    concurrency,
    retry: compileRetryPolicy(retry),
    connectTimeoutMs,
    socketTimeoutMs,
  };
  // Not enumerable: logging or serialising the options never shows the secret.
  Object.defineProperty(compiled, 'masterPassword', { value: masterPassword, enumerable: false });
  return Object.freeze(compiled as CompiledImapOptions);
}
