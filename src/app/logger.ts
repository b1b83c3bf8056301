import pino, { type Logger } from 'pino';
import type { Redactor } from '../secrets/index.ts';

/**
 * Structured JSON logs on stderr. Secret-named fields are censored by path, and every
 * message string passes the same redactor as the ledger, so a secret inside an error
 * message does not reach the log either.
 */
export function createLogger(level: string, redactor: Redactor): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: { paths: SECRET_PATHS, censor: '[redacted]' },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? redactor.redact(a) : a)) as Parameters<typeof method>);
        },
      },
      formatters: {
        log: (object) => redactor.redact(object),
      },
    },
    pino.destination(2),
  );
}

const SECRET_KEYS = ['password', 'secret', 'token', 'apiKey', 'api_key', 'authorization', 'cookie', 'privateKey', 'private_key', 'clientSecret', 'client_secret'];
const SECRET_PATHS = [...SECRET_KEYS, ...SECRET_KEYS.map((k) => `*.${k}`), 'req.headers.authorization', 'req.headers.cookie'];
