import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * PostgreSQL's stored SCRAM-SHA-256 verifier (RFC 5802 / RFC 7677), as in `pg_authid`:
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` (base64 parts).
 *
 * Writ computes the verifier itself and sends only that in `ALTER ROLE … PASSWORD`, so the
 * plaintext password never crosses the wire or reaches the server's statement log.
 */
export interface ScramVerifier {
  iterations: number;
  salt: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
}

const PREFIX = 'SCRAM-SHA-256$';

export function computeScramVerifier(password: string, options: { salt?: Buffer; iterations?: number } = {}): string {
  const salt = options.salt ?? randomBytes(16);
  const iterations = options.iterations ?? 4096;
  const { storedKey, serverKey } = keysFor(password, salt, iterations);
  return `${PREFIX}${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

export function parseScramVerifier(text: string): ScramVerifier | undefined {
  const m = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/.exec(text);
  if (!m) return undefined;
  return {
    iterations: Number(m[1]),
    salt: Buffer.from(m[2]!, 'base64'),
    storedKey: Buffer.from(m[3]!, 'base64'),
    serverKey: Buffer.from(m[4]!, 'base64'),
  };
}

/**
 * Whether a SCRAM-SHA-256 login with `password` would succeed against this stored
 * verifier: the same StoredKey comparison the server makes in the SCRAM exchange.
 * Passwords are used as given (no SASLprep): exact for ASCII passwords, which is what
 * Writ issues; a non-ASCII password that SASLprep would normalise may be misjudged.
 */
export function scramVerifierAccepts(verifierText: string, password: string): boolean {
  const v = parseScramVerifier(verifierText);
  if (!v) return false;
  const { storedKey } = keysFor(password, v.salt, v.iterations);
  return storedKey.length === v.storedKey.length && timingSafeEqual(storedKey, v.storedKey);
}

function keysFor(password: string, salt: Buffer, iterations: number): { storedKey: Buffer; serverKey: Buffer } {
  const salted = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  return {
    storedKey: createHash('sha256').update(clientKey).digest(),
    serverKey: createHmac('sha256', salted).update('Server Key').digest(),
  };
}
