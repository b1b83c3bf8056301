/**
 * SMTP notifications against a real SMTP server (the smtp-server package) started by each
 * test on 127.0.0.1 and a free port, and stopped after it: what the server receives is
 * parsed and compared with what was rendered. Faults are real too: a refused port, a
 * server that never greets, one that stalls the transaction, one that drips its replies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import PostalMime from 'postal-mime';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { isWritError, type WritError } from '../../src/errors/index.ts';
import { ConnectorJournal, type ActionRecord } from '../../src/kernel/index.ts';
import { NOTIFICATION_TEMPLATES, NotifyConnector, SmtpNotifier, renderNotification, type SmtpOptions } from '../../src/mail/notify/index.ts';
import { tempDir, withStore } from '../support/engines.ts';

const FROM = 'Security Operations <soc@example.test>';

interface Received {
  mailFrom: string;
  rcptTo: string[];
  raw: Buffer;
  secure: boolean;
  user: string | null;
}

interface SmtpWorld {
  port: number;
  received: Received[];
  /** Every RCPT TO the server saw, accepted or not. */
  rcpts: string[];
  stop(): Promise<void>;
}

interface SmtpWorldOptions {
  /** Reply code for a recipient; undefined accepts it. */
  rcpt?: (address: string) => number | undefined;
  mailFrom?: (address: string) => number | undefined;
  /** Never answer the end of DATA. */
  stallData?: boolean;
  tls?: { key: Buffer; cert: Buffer };
  login?: { user: string; password: string };
}

function reply(code: number, text: string): Error {
  return Object.assign(new Error(text), { responseCode: code });
}

async function startSmtp(options: SmtpWorldOptions = {}): Promise<SmtpWorld> {
  const received: Received[] = [];
  const rcpts: string[] = [];
  const disabled = [...(options.tls ? [] : ['STARTTLS']), ...(options.login ? [] : ['AUTH'])];
  const config: SMTPServerOptions = {
    logger: false,
    closeTimeout: 200,
    disabledCommands: disabled,
    authOptional: true,
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert } : {}),
    onAuth(auth, _session, callback) {
      if (options.login && auth.username === options.login.user && auth.password === options.login.password) return callback(null, { user: auth.username });
      callback(reply(535, 'authentication failed'));
    },
    onMailFrom(address, _session, callback) {
      const code = options.mailFrom?.(address.address);
      callback(code ? reply(code, `sender <${address.address}> not allowed`) : null);
    },
    onRcptTo(address, _session, callback) {
      rcpts.push(address.address);
      const code = options.rcpt?.(address.address);
      callback(code ? reply(code, code >= 500 ? `no such user <${address.address}>` : `mailbox busy, try later <${address.address}>`) : null);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (options.stallData) return; // never answers: the client must give up on its own
        received.push({
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          rcptTo: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
          secure: session.secure,
          user: typeof session.user === 'string' ? session.user : null,
        });
        callback(null);
      });
    },
  };
  const server = new SMTPServer(config);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return { port, received, rcpts, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A TCP server that runs `onSocket` for each connection and never speaks SMTP properly. */
async function startRaw(onSocket: (socket: Socket) => void): Promise<{ port: number; stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    stop: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const raw = await startRaw(() => {});
  await raw.stop();
  return raw.port;
}

function smtp(port: number, extra: Partial<SmtpOptions> = {}): SmtpOptions {
  return { host: '127.0.0.1', port, from: FROM, starttls: 'never', timeoutMs: 2_000, ...extra };
}

async function withNotifier<T>(options: SmtpOptions, body: (notifier: SmtpNotifier) => Promise<T>): Promise<T> {
  const notifier = new SmtpNotifier(options);
  try {
    return await body(notifier);
  } finally {
    await notifier.close();
  }
}

async function failure(promise: Promise<unknown>): Promise<WritError> {
  try {
    await promise;
  } catch (error) {
    if (isWritError(error)) return error;
    throw error;
  }
  assert.fail('expected a WritError');
}

function notifyAction(id: string, recipients: string[], template = 'malicious'): ActionRecord {
  return { id, caseId: 'case-1', tenant: 'default', type: 'notify_reporter', target: { type: 'case', id: 'case-1' }, params: { recipients, template }, actionHash: 'hash', undo: null, result: null };
}

const GRANT = { token: 'redeemed-by-the-registry' };

test('a server that accepts receives exactly the rendered message, one copy per recipient, addressed to that recipient alone', async () => {
  const world = await startSmtp();
  try {
    const message = renderNotification('malicious', { reportedSubject: 'Urgent: invoice\r\nBcc: eve@example.test', caseId: 'case-7', contained: 4 });
    const recipients = ['ann@example.test', 'bob@example.test', 'Ann@Example.test', 'cat@example.test'];
    const delivery = await withNotifier(smtp(world.port), (n) => n.send(recipients, message, '<act-1@writ.local>'));
    assert.deepEqual(delivery, { accepted: ['ann@example.test', 'bob@example.test', 'cat@example.test'], rejected: [], deferred: [], messageId: '<act-1@writ.local>' });

    assert.deepEqual(world.rcpts, ['ann@example.test', 'bob@example.test', 'cat@example.test'], 'no other RCPT, none from the subject');
    assert.equal(world.received.length, 3);
    for (const [i, copy] of world.received.entries()) {
      const recipient: string = delivery.accepted[i]!;
      assert.equal(copy.mailFrom, 'soc@example.test');
      assert.deepEqual(copy.rcptTo, [recipient]);
      const parsed = await PostalMime.parse(copy.raw);
      assert.equal(parsed.subject, message.subject);
      assert.equal(parsed.text?.replace(/\r\n/g, '\n').trimEnd(), message.text);
      assert.equal(parsed.messageId, '<act-1@writ.local>');
      assert.deepEqual({ name: parsed.from?.name, address: parsed.from?.address }, { name: 'Security Operations', address: 'soc@example.test' });
      assert.deepEqual(parsed.to?.map((t) => t.address), [recipient]);
      assert.equal(parsed.cc, undefined);
      assert.equal(parsed.bcc, undefined);
      assert.equal(parsed.headers.filter((h) => h.key === 'bcc').length, 0, 'the injected Bcc stayed text');
      assert.equal(parsed.headers.filter((h) => h.key === 'subject').length, 1);
      assert.equal(parsed.headers.find((h) => h.key === 'auto-submitted')?.value, 'auto-generated');
      assert.ok(parsed.attachments.length === 0 && parsed.html === undefined, 'plain text only');
    }
  } finally {
    await world.stop();
  }
});

test('every template arrives as rendered', async () => {
  const world = await startSmtp();
  try {
    const facts = { reportedSubject: 'Rechnung für März — https://pay.example.test', caseId: 'case-3', contained: 2, organisation: 'Acme' };
    await withNotifier(smtp(world.port), async (notifier) => {
      for (const template of NOTIFICATION_TEMPLATES) {
        const delivery = await notifier.send([`${template}@example.test`], renderNotification(template, facts), `<${template}@writ.local>`);
        assert.deepEqual(delivery.accepted, [`${template}@example.test`]);
      }
    });
    assert.equal(world.received.length, NOTIFICATION_TEMPLATES.length);
    for (const [i, template] of NOTIFICATION_TEMPLATES.entries()) {
      const expected = renderNotification(template, facts);
      const parsed = await PostalMime.parse(world.received[i]!.raw);
      assert.equal(parsed.subject, expected.subject, template);
      assert.equal(parsed.text?.replace(/\r\n/g, '\n').trimEnd(), expected.text, template);
      assert.doesNotMatch(`${parsed.subject} ${parsed.text}`, /https:\/\/pay\.example\.test/, `${template}: the link is defanged`);
    }
  } finally {
    await world.stop();
  }
});

test('a recipient the server rejects (550) is rejected evidence; the others are delivered', async () => {
  const world = await startSmtp({ rcpt: (address) => (address === 'gone@example.test' ? 550 : undefined) });
  try {
    await withStore('sqlite', async (store) => {
      const notifier = new SmtpNotifier(smtp(world.port));
      try {
        const connector = new NotifyConnector(notifier, new ConnectorJournal(store), async () => ({ reportedSubject: 'Invoice', caseId: 'case-1' }));
        const outcome = await connector.execute(notifyAction('act-550', ['ann@example.test', 'gone@example.test', 'bob@example.test']), GRANT);
        assert.deepEqual(outcome.result, { template: 'malicious', accepted: 2, rejected: 1 });
        assert.deepEqual(outcome.evidence.accepted, ['ann@example.test', 'bob@example.test']);
        assert.deepEqual(outcome.evidence.rejected, [{ recipient: 'gone@example.test', reason: '550 no such user <gone@example.test>' }]);
      } finally {
        await notifier.close();
      }
    });
    assert.deepEqual(world.received.map((r) => r.rcptTo), [['ann@example.test'], ['bob@example.test']]);
  } finally {
    await world.stop();
  }
});

test('a server that rejects every recipient: the connector fails for good, with each reason', async () => {
  const world = await startSmtp({ rcpt: () => 550 });
  try {
    await withStore('sqlite', async (store) => {
      const notifier = new SmtpNotifier(smtp(world.port));
      try {
        const connector = new NotifyConnector(notifier, new ConnectorJournal(store), async () => ({ reportedSubject: 'Invoice' }));
        const error = await failure(connector.execute(notifyAction('act-all', ['ann@example.test', 'bob@example.test']), GRANT));
        assert.equal(error.code, 'WRIT_CONNECTOR_REFUSED');
        assert.equal(error.retryable, false);
        assert.match(error.message, /every recipient was refused: ann@example\.test \(550 no such user <ann@example\.test>\), bob@example\.test \(550 no such user <bob@example\.test>\)/);
        assert.deepEqual((error.details?.rejected as unknown[]).length, 2);
      } finally {
        await notifier.close();
      }
    });
    assert.equal(world.received.length, 0);
  } finally {
    await world.stop();
  }
});

test('a recipient deferred with 450 fails the attempt retryably; the retry delivers to that recipient only', async () => {
  let busy = true;
  const world = await startSmtp({ rcpt: (address) => (busy && address === 'busy@example.test' ? 450 : undefined) });
  try {
    await withStore('sqlite', async (store) => {
      const notifier = new SmtpNotifier(smtp(world.port));
      try {
        const connector = new NotifyConnector(notifier, new ConnectorJournal(store), async () => ({ reportedSubject: 'Invoice' }));
        const record = notifyAction('act-450', ['ann@example.test', 'busy@example.test']);
        const error = await failure(connector.execute(record, GRANT));
        assert.equal(error.code, 'WRIT_CONNECTOR_FAILED');
        assert.equal(error.retryable, true);
        assert.match(error.message, /busy@example\.test \(450 mailbox busy/);
        busy = false;
        const outcome = await connector.execute(record, GRANT);
        assert.deepEqual(outcome.evidence.accepted, ['ann@example.test', 'busy@example.test']);
      } finally {
        await notifier.close();
      }
    });
    assert.deepEqual(world.received.map((r) => r.rcptTo), [['ann@example.test'], ['busy@example.test']], 'ann got one copy');
  } finally {
    await world.stop();
  }
});

test('the connector sends once per action id: a re-run after the delivery was journalled sends nothing, even from a new process', async () => {
  const world = await startSmtp();
  try {
    await withStore('sqlite', async (store) => {
      const record = notifyAction('act-once', ['ann@example.test', 'bob@example.test'], 'safe');
      const run = async () => {
        // A fresh notifier and connector each time: what a restarted worker would build.
        const notifier = new SmtpNotifier(smtp(world.port));
        try {
          return await new NotifyConnector(notifier, new ConnectorJournal(store), async () => ({ reportedSubject: 'Team lunch' })).execute(record, GRANT);
        } finally {
          await notifier.close();
        }
      };
      const first = await run();
      const second = await run();
      assert.deepEqual(second, first);
      assert.equal(world.received.length, 2, 'two recipients, two copies, once');
      await new NotifyConnector(new SmtpNotifier(smtp(world.port)), new ConnectorJournal(store), async () => ({ reportedSubject: 'x' })).execute(notifyAction('act-other', ['ann@example.test']), GRANT);
      assert.equal(world.received.length, 3, 'another action id sends again');
    });
  } finally {
    await world.stop();
  }
});

test('a server that is down: a retryable WRIT_CONNECTOR_FAILED, at once', async () => {
  const port = await closedPort();
  const started = Date.now();
  const error = await failure(withNotifier(smtp(port), (n) => n.send(['ann@example.test'], renderNotification('safe', { reportedSubject: 's' }), '<down@writ.local>')));
  assert.equal(error.code, 'WRIT_CONNECTOR_FAILED');
  assert.equal(error.retryable, true);
  assert.match(error.message, new RegExp(`SMTP 127\\.0\\.0\\.1:${port} unavailable`));
  assert.ok(Date.now() - started < 2_000);

  await withStore('sqlite', async (store) => {
    const notifier = new SmtpNotifier(smtp(port));
    try {
      const connectorError = await failure(new NotifyConnector(notifier, new ConnectorJournal(store), async () => ({ reportedSubject: 's' })).execute(notifyAction('act-down', ['ann@example.test']), GRANT));
      assert.equal(connectorError.code, 'WRIT_CONNECTOR_FAILED');
      assert.equal(connectorError.retryable, true);
    } finally {
      await notifier.close();
    }
  });
});

test('a server that times out, at any stage, fails retryably within a bounded time', { timeout: 20_000 }, async () => {
  const silent = await startRaw(() => {}); // accepts the connection, never greets
  const stalled = await startSmtp({ stallData: true }); // never answers the end of DATA
  const drip = await startRaw((socket) => {
    // Greets, then answers EHLO one byte every 100 ms, forever: no single wait is long enough to time out.
    socket.write('220 drip.example.test ESMTP\r\n');
    socket.once('data', () => {
      const timer = setInterval(() => socket.write('2'), 100);
      socket.on('close', () => clearInterval(timer));
    });
  });
  try {
    for (const [name, port] of [['silent', silent.port], ['stalled', stalled.port], ['drip', drip.port]] as const) {
      const started = Date.now();
      const error = await failure(withNotifier(smtp(port, { timeoutMs: 300 }), (n) => n.send(['ann@example.test'], renderNotification('safe', { reportedSubject: 's' }), `<${name}@writ.local>`)));
      const elapsed = Date.now() - started;
      assert.equal(error.code, 'WRIT_CONNECTOR_FAILED', name);
      assert.equal(error.retryable, true, name);
      assert.ok(elapsed < 2_500, `${name}: gave up after ${elapsed} ms`);
    }
  } finally {
    await Promise.all([silent.stop(), stalled.stop(), drip.stop()]);
  }
});

test('a refused sender or login is a configuration problem: not retried', async () => {
  const world = await startSmtp({ mailFrom: () => 550 });
  try {
    const error = await failure(withNotifier(smtp(world.port), (n) => n.send(['ann@example.test'], renderNotification('safe', { reportedSubject: 's' }), '<from@writ.local>')));
    assert.equal(error.code, 'WRIT_CONNECTOR_REFUSED');
    assert.equal(error.retryable, false);
    assert.match(error.message, /refused the sender soc@example\.test: 550 sender <soc@example\.test> not allowed/);
  } finally {
    await world.stop();
  }
});

test('TLS: STARTTLS is used when offered (certificate verified), required with credentials, and the password never travels in clear', async () => {
  const dir = tempDir('writ-smtp-tls-');
  try {
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir.path, 'key.pem'), '-out', join(dir.path, 'cert.pem')], { encoding: 'utf8' });
    assert.equal(made.status, 0, `this test needs openssl to make a certificate: ${made.error?.message ?? made.stderr}`);
    const key = readFileSync(join(dir.path, 'key.pem'));
    const cert = readFileSync(join(dir.path, 'cert.pem'));
    const message = renderNotification('received', { reportedSubject: 's' });

    const tls = await startSmtp({ tls: { key, cert }, login: { user: 'writ', password: 'hunter2' } });
    const plain = await startSmtp();
    try {
      const { starttls: _never, ...opportunistic } = smtp(tls.port);
      await withNotifier({ ...opportunistic, ca: cert.toString() }, (n) => n.send(['ann@example.test'], message, '<tls1@writ.local>'));
      await withNotifier({ ...opportunistic, ca: cert.toString(), user: 'writ', password: 'hunter2' }, (n) => n.send(['bob@example.test'], message, '<tls2@writ.local>'));
      assert.deepEqual(tls.received.map((r) => [r.secure, r.user]), [[true, null], [true, 'writ']], 'both upgraded; the login only over TLS');

      const untrusted = await failure(withNotifier(opportunistic, (n) => n.send(['cat@example.test'], message, '<tls3@writ.local>')));
      assert.equal(untrusted.code, 'WRIT_CONNECTOR_FAILED', 'an unverified certificate is not accepted');
      assert.equal(tls.received.length, 2);

      const { starttls: _none, ...noTls } = smtp(plain.port);
      const required = await failure(withNotifier({ ...noTls, starttls: 'required' }, (n) => n.send(['dan@example.test'], message, '<tls4@writ.local>')));
      assert.equal(required.code, 'WRIT_CONNECTOR_FAILED', 'required TLS that the server cannot do sends nothing');
      assert.equal(plain.received.length, 0);
    } finally {
      await Promise.all([tls.stop(), plain.stop()]);
    }
  } finally {
    dir.remove();
  }
});
