import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import pino from 'pino';
import { Fingerprinter, REDACT_PATHS, Redactor, isSecretName } from './index.ts';
import { WritError } from '../errors/index.ts';

const fp = new Fingerprinter(Buffer.alloc(32, 3));
const redactor = new Redactor(fp);
const mark = (secret: string) => `[redacted ${fp.of(secret)}]`;

/** Every rendering of the value a log or ledger could produce (cycles shown once). */
function renderings(value: unknown): string {
  const seen = new WeakSet<object>();
  const json = JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'object' && v !== null) {
      if (seen.has(v)) return '[cycle]';
      seen.add(v);
      if (v instanceof Error) return { ...v, message: v.message, stack: v.stack, cause: v.cause };
      if (v instanceof Map) return [...v];
      if (v instanceof Set) return [...v];
    }
    return v;
  });
  return `${json}\n${inspect(value, { depth: 20, showHidden: true })}`;
}

function assertGone(value: unknown, secrets: string[]): void {
  const text = renderings(value);
  for (const s of secrets) assert.ok(!text.includes(s), `"${s}" survived in ${text}`);
}

test('secret field names: the head noun decides', () => {
  const secret = [
    'password', 'Password', 'PASSWORD', 'passwd', 'pwd', 'db_password', 'dbPassword', 'DB-PASSWORD',
    'adminpassword', 'new_password', 'password_hash', 'passphrase', 'secret', 'client_secret', 'clientSecret',
    'token', 'access_token', 'accessToken', 'refresh-token', 'id_token', 'authToken', 'x-auth-token',
    'api_key', 'apiKey', 'APIKey', 'api-key', 'x-api-key', 'apikey', 'private_key', 'privateKey', 'private_key_pem',
    'secret_key', 'aws_secret_access_key', 'authorization', 'Authorization', 'proxy-authorization', 'cookie',
    'set-cookie', 'cookies', 'credential', 'credentials', 'session', 'session_id', 'sessionId', 'jsessionid',
    'session_token', 'session_key', 'user.password', 'secrets', 'tokens', 'pin', 'otp',
  ];
  const harmless = [
    'token_count', 'tokenCount', 'max_tokens', 'prompt_tokens', 'completion_tokens', 'total_tokens',
    'secret_type', 'secretName', 'password_policy', 'passwordPolicy', 'password_expires_at', 'password_min_length',
    'token_type', 'cookie_name', 'session_timeout', 'session_count', 'credential_id', 'public_key', 'primary_key',
    'sort_key', 'key', 'keys', 'key_id', 'access_key_id', 'secretary', 'tokenizer', 'passwordless', 'bypass',
    'author', 'authorized', 'auth_method', 'id', 'name', 'hash', 'fingerprint', 'message', '',
  ];
  for (const name of secret) assert.equal(isSecretName(name), true, name);
  for (const name of harmless) assert.equal(isSecretName(name), false, name);
});

test('values of secret fields are replaced by their fingerprint, deep in objects and arrays', () => {
  const input = {
    user: 'alice',
    password: 'hunter2',
    nested: { deeper: [{ apiKey: 'k-123-abc' }, { list: [{ client_secret: 's3cr3t!' }] }] },
    credentials: { username: 'svc', password: 'p4ss' },
    headers: { Authorization: 'Bearer abc.def.ghi', Cookie: 'sid=xyz789' },
    usage: { prompt_tokens: 120, max_tokens: 512, token_count: 9 },
    password_policy: { min_length: 12 },
    has_password: true,
    pin: 1234,
    token: null,
  };
  const out = redactor.redact(input);
  assert.equal(out.password, mark('hunter2'));
  assert.equal((out.nested.deeper[0] as { apiKey: string }).apiKey, mark('k-123-abc'));
  assert.equal(out.headers.Authorization, mark('Bearer abc.def.ghi'));
  assert.match(out.credentials as unknown as string, /^\[redacted fp:[0-9a-f]{32}\]$/);
  assert.deepEqual(out.usage, { prompt_tokens: 120, max_tokens: 512, token_count: 9 });
  assert.deepEqual(out.password_policy, { min_length: 12 });
  assert.equal(out.has_password, true);
  assert.equal(out.pin as unknown, mark('1234'));
  assert.equal(out.token, null);
  assert.equal(out.user, 'alice');
  assertGone(out, ['hunter2', 'k-123-abc', 's3cr3t!', 'p4ss', 'abc.def.ghi', 'xyz789']);
  // The input is untouched.
  assert.equal(input.password, 'hunter2');
  assert.equal(input.nested.deeper[0]?.apiKey, 'k-123-abc');
});

const SECRET_TEXT: Array<[string, string, string, string?]> = [
  // [description, text, the secret that must vanish, what is fingerprinted when more than it]
  ['postgres URL', 'connect postgres://app:s3cr3t-P4ss@db.internal:5432/writ failed', 's3cr3t-P4ss'],
  ['URL password with @', 'dsn=mysql://root:p@ss@w0rd@10.0.0.5/db', 'p@ss@w0rd'],
  ['redis URL without user', 'redis://:hunter2hunter2@localhost:6379/0', 'hunter2hunter2'],
  ['query token', 'GET https://api.example.com/cb?code=1&access_token=ya29.a0AfH6SM&x=1', 'ya29.a0AfH6SM'],
  ['query password', 'https://host/login?user=bob&password=Tr0ub4dor', 'Tr0ub4dor'],
  ['pwd=', 'odbc: Server=db;Uid=sa;Pwd=MyS3cret!;', 'MyS3cret!'],
  ['Bearer', 'request sent with Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0 and failed', '9f8e7d6c5b4a39281706f5e4d3c2b1a0'],
  ['Authorization header', 'Authorization: Bearer xyzzy-42', 'xyzzy-42'],
  ['Authorization in JSON', '{"authorization":"Bearer qwerty-77"}', 'qwerty-77'],
  ['Authorization Basic', 'authorization: Basic dXNlcjpodW50ZXIy', 'dXNlcjpodW50ZXIy'],
  ['Basic in text', 'sent Basic YWxpY2U6c2VjcmV0 to the proxy', 'YWxpY2U6c2VjcmV0'],
  ['Cookie header', 'Cookie: sid=Qx7Wv; theme=dark; csrf=zz99', 'Qx7Wv', 'sid=Qx7Wv; theme=dark; csrf=zz99'],
  ['JWT', 'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLWJ5dGVz expired',
    'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLWJ5dGVz'],
  ['AWS key id', 'found AKIAIOSFODNN7EXAMPLE in repo', 'AKIAIOSFODNN7EXAMPLE'],
  ['AWS session key id', 'ASIAY34FZKBOKMUTVV7A leaked', 'ASIAY34FZKBOKMUTVV7A'],
  ['GitHub classic', 'ghp_1234567890abcdefghijABCDEFGHIJ123456 in .env', 'ghp_1234567890abcdefghijABCDEFGHIJ123456'],
  ['GitHub app', 'ghs_abcdefghijABCDEFGHIJ1234567890abcdef', 'ghs_abcdefghijABCDEFGHIJ1234567890abcdef'],
  ['GitHub fine-grained', 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz', 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz'],
  ['Slack', 'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx', 'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx'],
  ['Stripe', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'],
  ['JSON inside a string', 'body was {"user":"bob","password":"hunter2!","n":1}', 'hunter2!'],
  ['JSON number inside a string', 'body was {"pin": 987654}', '987654'],
  ['Python repr', "kwargs={'api_key': 'AbC-123-xyz'}", 'AbC-123-xyz'],
  ['YAML-ish', 'config: { db_password: "correct horse battery" }', 'correct horse battery'],
  ['log assignment', 'retrying with client_secret=Zm9vYmFy', 'Zm9vYmFy'],
];

test('secret-shaped text inside strings is replaced by its fingerprint', () => {
  for (const [why, text, secret, fingerprinted = secret] of SECRET_TEXT) {
    const out = redactor.redact(text);
    assert.ok(!out.includes(secret), `${why}: ${out}`);
    assert.ok(out.includes(mark(fingerprinted)), `${why}: the marker fingerprints the secret itself: ${out}`);
    assert.equal(out.split('[redacted ').length, 2, `${why}: one marker, the scheme word kept: ${out}`);
  }
  // Context around a secret is kept.
  assert.equal(redactor.redact('postgres://app:pw123@db:5432/writ'), `postgres://app:${mark('pw123')}@db:5432/writ`);
  assert.equal(redactor.redact('a?x=1&token=abc&y=2'), `a?x=1&token=${mark('abc')}&y=2`);
});

test('PEM private keys are removed whole, even when truncated', () => {
  const pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const body = pem.split('\n')[1] as string;
  const out = redactor.redact({ note: `key follows:\n${pem}and more text` });
  assert.equal(out.note, `key follows:\n${mark(pem.trimEnd())}\nand more text`);
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs1' }).toString();
  assertGone(redactor.redact(`x ${rsa} y`), rsa.split('\n').slice(1, -2));
  const truncated = `error parsing -----BEGIN OPENSSH PRIVATE KEY-----\n${body}`;
  assertGone(redactor.redact(truncated), [body]);
  const escaped = JSON.stringify({ key: pem }); // a PEM inside JSON text, newlines escaped
  assertGone(redactor.redact(escaped), [body]);
  // Public keys stay.
  const pub = generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }).toString();
  assert.equal(redactor.redact(pub), pub);
});

test('secrets in errors never survive: message, stack, cause and extra fields', () => {
  const cause = new Error('upstream said: password=hunter2');
  const error = new WritError('WRIT_CONNECTOR_FAILED', 'login to postgres://svc:Sup3rS3cret@db/app failed', {
    details: { token: 'tok-1', host: 'db' },
    cause,
  });
  const out = redactor.redact({ error });
  assert.ok(out.error instanceof WritError, 'the class survives');
  assert.equal(out.error.code, 'WRIT_CONNECTOR_FAILED');
  assert.equal(out.error.details?.host, 'db');
  assert.match(out.error.message, /^login to postgres:\/\/svc:\[redacted fp:[0-9a-f]{32}\]@db\/app failed$/);
  assert.ok(!(out.error.stack ?? '').includes('Sup3rS3cret'));
  assertGone(out, ['Sup3rS3cret', 'hunter2', 'tok-1']);
  assert.ok((out.error.cause as Error).message.includes(mark('hunter2')));
  assert.equal(error.message, 'login to postgres://svc:Sup3rS3cret@db/app failed', 'the original is not mutated');
});

test('ordinary text, identifiers and hashes are left alone', () => {
  const ordinary = [
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=',
    'fp:0123456789abcdef0123456789abcdef',
    '8c7f3c1e-52d4-4b1f-9d5a-2b9e8f0a1c3d',
    'commit 85313f1a2b3c4d5e6f708192a3b4c5d6e7f80912',
    '2026-05-01T12:00:00.000Z',
    'Please reset your password via the portal.',
    'The bearer of this letter is trusted.',
    'Uses Bearer authentication and Basic auth.',
    'token_count=5 secret_type=generic password_policy: strict',
    'https://example.com/search?q=writ&page=2',
    'mailto:bob@example.com and git@github.com:org/repo.git',
    'http://user@example.com/no-password-here',
    'Error: connection refused (ECONNREFUSED 127.0.0.1:5432)',
    'Subject: Re: invoice #4421 – €1,200.00 due',
    'The session expired; max_tokens=512, prompt_tokens: 100',
    'AKIA is the prefix of AWS access key IDs',
  ];
  for (const text of ordinary) assert.equal(redactor.redact(text), text, text);
  const record = { sha256: ordinary[0], root: ordinary[1], count: 3, ok: true, at: new Date(0), list: [1, 'a', null] };
  assert.deepEqual(redactor.redact(record), record);
});

test('redaction is idempotent: markers are recognised, not re-fingerprinted', () => {
  const input = {
    password: 'hunter2',
    text: SECRET_TEXT.map(([, text]) => text).join('\n'),
    url: 'postgres://a:b@c/d',
  };
  const once = redactor.redact(input);
  assert.deepEqual(redactor.redact(once), once);
  assertGone(once, SECRET_TEXT.map(([, , secret]) => secret).concat('hunter2'));
});

test('other value types: buffers, keys, dates, maps, sets, URLs, cycles', () => {
  const key = generateKeyPairSync('ed25519');
  const cyclic: Record<string, unknown> = { name: 'loop', password: 'cyc-secret' };
  cyclic.self = cyclic;
  const input = {
    private_key: Buffer.from('raw key bytes'),
    signer: key.privateKey,
    verifier: key.publicKey,
    when: new Date(86_400_000),
    headers: new Map<string, unknown>([['authorization', 'Bearer zzz'], ['accept', 'json']]),
    tags: new Set(['a', 'password=letmein']),
    url: new URL('https://svc:pa55word@example.com/x?token=t0k3n'),
    cyclic,
  };
  const out = redactor.redact(input);
  assert.equal(out.private_key as unknown, mark('raw key bytes'));
  assert.match(out.signer as unknown as string, /^\[redacted fp:[0-9a-f]{32}\]$/);
  assert.equal(out.verifier, key.publicKey);
  assert.deepEqual(out.when, new Date(86_400_000));
  assert.notEqual(out.when, input.when);
  assert.equal(out.headers.get('authorization'), mark('Bearer zzz'));
  assert.equal(out.headers.get('accept'), 'json');
  assert.ok(out.tags.has(`password=${mark('letmein')}`));
  assert.ok(out.url instanceof URL);
  const outCyclic = out.cyclic as Record<string, unknown>;
  assert.equal(outCyclic.self, outCyclic, 'cycles are preserved, not followed forever');
  assertGone(out, ['raw key bytes', 'zzz', 'letmein', 'pa55word', 't0k3n', 'cyc-secret']);
});

test('long and adversarial strings are scanned in linear time', () => {
  const inputs = [
    'A'.repeat(1_000_000),
    'abc+/='.repeat(200_000),
    'eyJ'.repeat(300_000),
    '"'.repeat(200_000) + ':',
    'a:'.repeat(300_000),
    'x://'.repeat(200_000),
    'password='.repeat(100_000),
    '-----BEGIN PRIVATE KEY-----'.repeat(30_000),
    '"password":"'.repeat(100_000),
    'http://u:'.repeat(100_000) + '@',
  ];
  for (const text of inputs) {
    const started = performance.now();
    redactor.redact(text);
    const ms = performance.now() - started;
    assert.ok(ms < 2000, `${text.slice(0, 12)}… took ${ms.toFixed(0)} ms`);
  }
});

test('REDACT_PATHS work with pino, and censor gives the same marker as the ledger', () => {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(chunk.toString()); done(); } });
  const logger = pino(
    { redact: { paths: [...REDACT_PATHS], censor: (value: unknown) => redactor.censor(value) } },
    sink,
  );
  logger.info({
    password: 'top-level-pw',
    user: { token: 'nested-token', name: 'bob' },
    req: { headers: { authorization: 'Bearer req-secret', cookie: 'sid=req-cookie', host: 'h' } },
    'x-api-key': 'header-key',
  }, 'login');
  const line = lines.join('');
  for (const s of ['top-level-pw', 'nested-token', 'req-secret', 'req-cookie', 'header-key']) {
    assert.ok(!line.includes(s), `${s} in ${line}`);
  }
  assert.ok(line.includes(mark('top-level-pw')));
  assert.ok(line.includes('"name":"bob"'));
});
