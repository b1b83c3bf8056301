/**
 * Which field names hold a secret. The rule looks at the name's last word (its head noun),
 * because that says what the value *is*: `password` and `db_password` are passwords, while
 * `password_policy`, `secret_type` and `token_count` are a policy, a type and a count that
 * merely mention one. Names split on `_ - . space` and camelCase; case is ignored.
 */

export type SecretKind = 'password' | 'credential';

/** Head nouns whose value is a password-like secret (numbers are redacted too: PINs). */
const PASSWORD_NOUNS = new Set(['password', 'passwords', 'passwd', 'pwd', 'pass', 'passphrase', 'pin', 'otp']);

/** Head nouns whose value is any other credential. */
const CREDENTIAL_NOUNS = new Set([
  'secret', 'secrets', 'token', 'tokens', 'authorization', 'cookie', 'cookies', 'credential',
  'credentials', 'session', 'jwt', 'bearer', 'apikey', 'apikeys', 'privkey', 'privatekey',
  'clientsecret', 'sessionid', 'sessid', 'connectionstring',
]);

/** Single words that end in a secret noun: `dbpassword`, `authtoken`, `jsessionid`. */
const SECRET_SUFFIXES = ['password', 'passwd', 'passphrase', 'secret', 'token', 'apikey', 'privatekey', 'sessionid', 'sessid'];

/** `<qualifier>_key` is a secret key; `primary_key`, `public_key`, `sort_key` are not. */
const KEY_QUALIFIERS = new Set([
  'api', 'private', 'secret', 'access', 'signing', 'encryption', 'master', 'client', 'session',
  'auth', 'ssh', 'deploy', 'hmac', 'aes', 'symmetric', 'account', 'shared', 'subscription',
  'storage', 'root', 'webhook', 'license', 'priv',
]);

/** Trailing words that describe a secret's encoding, not a different thing: `password_hash`. */
const ENCODING_WORDS = new Set([
  'value', 'hash', 'hashed', 'digest', 'plain', 'plaintext', 'raw', 'encoded', 'encrypted', 'enc',
  'b64', 'base64', 'hex', 'pem', 'der', 'string', 'str', 'text', 'data', 'bytes', 'material', 'header',
]);

/** `max_tokens`, `prompt_tokens`: counts of model tokens, not credentials. */
const QUANTITY_WORDS = new Set([
  'max', 'min', 'num', 'total', 'count', 'prompt', 'completion', 'input', 'output', 'cached',
  'reasoning', 'remaining', 'used', 'limit', 'estimated',
]);

export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

/** What kind of secret a field of this name holds, or undefined when it is not one. */
export function secretKindOf(name: string): SecretKind | undefined {
  const words = nameWords(name);
  let end = words.length;
  while (end > 1 && ENCODING_WORDS.has(words[end - 1] as string)) end -= 1;
  const head = words[end - 1];
  const before = words[end - 2];
  if (head === undefined) return undefined;
  if (head === 'id') return before === 'session' || before === 'sess' ? 'credential' : undefined;
  if (head === 'key' || head === 'keys') return before !== undefined && KEY_QUALIFIERS.has(before) ? 'credential' : undefined;
  if (head === 'tokens' && before !== undefined && QUANTITY_WORDS.has(before)) return undefined;
  if (PASSWORD_NOUNS.has(head) || head.endsWith('password') || head.endsWith('passwd')) return 'password';
  if (CREDENTIAL_NOUNS.has(head) || SECRET_SUFFIXES.some((s) => head.endsWith(s))) return 'credential';
  return undefined;
}

export function isSecretName(name: string): boolean {
  return secretKindOf(name) !== undefined;
}

/**
 * Exact field names for pino's `redact.paths`, which matches names literally. The Redactor
 * applies the general rule above; this list covers the common spellings for the log path.
 */
export const SECRET_FIELD_NAMES: readonly string[] = [
  'password', 'passwd', 'pwd', 'passphrase', 'secret', 'token', 'accessToken', 'access_token',
  'refreshToken', 'refresh_token', 'idToken', 'id_token', 'apiKey', 'api_key', 'apikey',
  'privateKey', 'private_key', 'clientSecret', 'client_secret', 'authorization', 'Authorization',
  'cookie', 'Cookie', 'set-cookie', 'credential', 'credentials', 'session', 'sessionId', 'session_id',
  'secretKey', 'secret_key', 'x-api-key',
];

function pathSegment(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}

/** pino `redact.paths`: each name at the top level and one level down, plus request headers. */
export const REDACT_PATHS: readonly string[] = [
  ...SECRET_FIELD_NAMES.flatMap((name) => [pathSegment(name).replace(/^\./, ''), `*${pathSegment(name)}`]),
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
];
