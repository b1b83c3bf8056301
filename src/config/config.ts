import { resolve, join } from 'node:path';
import { z } from 'zod';
import { WritError } from '../errors/index.ts';

/**
 * Every setting Writ reads from the environment, in one place. Components receive the
 * parts they need through their constructors; nothing deeper reads `process.env`.
 */
export interface WritConfig {
  dataDir: string;
  databaseUrl: string;
  ledger: {
    origin: string;
    /** Path to a PKCS#8 PEM Ed25519 private key; generated in the data dir when absent. */
    keyFile: string;
    /** Sign a checkpoint at most this often while appends happen (0: after every append). */
    checkpointIntervalMs: number;
  };
  http: { host: string; port: number };
  jobs: { workers: number; leaseMs: number; maxAttempts: number; pollMs: number; backoffBaseMs: number };
  kernel: { approvalTtlMs: number; grantTtlMs: number; incidentMaxMs: number };
  /** The embedded mail world: one Maildir per mailbox under this directory. */
  mail: {
    maildirRoot: string;
    organisationDomains: string[];
    /** SMTP relay for notifications (smtp://user:pass@host:port); absent: deliver into the mail world's mailboxes. */
    smtpUrl: string | undefined;
    notifyFrom: string;
    /** The reporting mailbox (imap://user:pass@host:port/FOLDER or imaps://…); absent: no polling. */
    reportMailboxUrl: string | undefined;
    reportPollMs: number;
  };
  tenants: { default: string; regulated: string[] };
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

const intFrom = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const schema = z.object({
  WRIT_DATA_DIR: z.string().min(1).default('./data'),
  WRIT_DATABASE_URL: z.string().min(1).optional(),
  WRIT_LEDGER_ORIGIN: z.string().regex(/^[^\s+]+$/, 'must be one word without spaces or "+"').default('writ.local/ledger'),
  WRIT_LEDGER_KEY_FILE: z.string().min(1).optional(),
  WRIT_CHECKPOINT_INTERVAL_MS: intFrom(0, 3_600_000).default(1000),
  WRIT_HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  WRIT_HTTP_PORT: intFrom(0, 65535).default(8080),
  WRIT_WORKERS: intFrom(0, 64).default(2),
  WRIT_JOB_LEASE_MS: intFrom(100, 86_400_000).default(30_000),
  WRIT_JOB_MAX_ATTEMPTS: intFrom(1, 100).default(5),
  WRIT_JOB_POLL_MS: intFrom(5, 60_000).default(200),
  WRIT_JOB_BACKOFF_MS: intFrom(1, 3_600_000).default(1000),
  WRIT_APPROVAL_TTL_MS: intFrom(1000, 30 * 86_400_000).default(4 * 3_600_000),
  WRIT_GRANT_TTL_MS: intFrom(1000, 3_600_000).default(5 * 60_000),
  WRIT_INCIDENT_MAX_MS: intFrom(60_000, 30 * 86_400_000).default(24 * 3_600_000),
  WRIT_MAILDIR_ROOT: z.string().min(1).optional(),
  WRIT_ORG_DOMAINS: z.string().default(''),
  WRIT_SMTP_URL: z.string().regex(/^smtps?:\/\//, 'smtp://host:port or smtps://…').optional(),
  WRIT_REPORT_IMAP_URL: z.string().regex(/^imaps?:\/\//, 'imap://user:pass@host:port/FOLDER').optional(),
  WRIT_REPORT_POLL_MS: intFrom(1000, 3_600_000).default(30_000),
  WRIT_NOTIFY_FROM: z.string().regex(/^[^\s@<>]+@[^\s@<>]+$/, 'an email address').default('security@writ.local'),
  WRIT_TENANT: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'letters, digits, ".", "_" or "-"').default('default'),
  WRIT_REGULATED_TENANTS: z.string().default(''),
  WRIT_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Reads and validates configuration; a bad value is one clear error naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): WritConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? 'environment');
    throw new WritError('WRIT_CONFIG_INVALID', `${name}: ${issue?.message ?? 'invalid'}`);
  }
  const e = parsed.data;
  const dataDir = resolve(e.WRIT_DATA_DIR);
  return {
    dataDir,
    databaseUrl: e.WRIT_DATABASE_URL ?? `sqlite:${join(dataDir, 'writ.db')}`,
    ledger: {
      origin: e.WRIT_LEDGER_ORIGIN,
      keyFile: e.WRIT_LEDGER_KEY_FILE ? resolve(e.WRIT_LEDGER_KEY_FILE) : join(dataDir, 'ledger-key.pem'),
      checkpointIntervalMs: e.WRIT_CHECKPOINT_INTERVAL_MS,
    },
    http: { host: e.WRIT_HTTP_HOST, port: e.WRIT_HTTP_PORT },
    jobs: {
      workers: e.WRIT_WORKERS,
      leaseMs: e.WRIT_JOB_LEASE_MS,
      maxAttempts: e.WRIT_JOB_MAX_ATTEMPTS,
      pollMs: e.WRIT_JOB_POLL_MS,
      backoffBaseMs: e.WRIT_JOB_BACKOFF_MS,
    },
    kernel: {
      approvalTtlMs: e.WRIT_APPROVAL_TTL_MS,
      grantTtlMs: e.WRIT_GRANT_TTL_MS,
      incidentMaxMs: e.WRIT_INCIDENT_MAX_MS,
    },
    mail: {
      maildirRoot: e.WRIT_MAILDIR_ROOT ? resolve(e.WRIT_MAILDIR_ROOT) : join(dataDir, 'maildir'),
      organisationDomains: list(e.WRIT_ORG_DOMAINS),
      smtpUrl: e.WRIT_SMTP_URL,
      notifyFrom: e.WRIT_NOTIFY_FROM,
      reportMailboxUrl: e.WRIT_REPORT_IMAP_URL,
      reportPollMs: e.WRIT_REPORT_POLL_MS,
    },
    tenants: {
      default: e.WRIT_TENANT,
      regulated: list(e.WRIT_REGULATED_TENANTS),
    },
    logLevel: e.WRIT_LOG_LEVEL,
  };
}

function list(text: string): string[] {
  return text.split(',').map((t) => t.trim()).filter((t) => t !== '');
}
