/**
 * A real Dovecot IMAP server for tests, started from a private configuration in a
 * temporary folder (see ../shared/recipes/dovecot.md): loopback only, a free port, plain
 * authentication, Maildir storage, a set of users and one master user (`user*admin`).
 *
 * The server runs in the foreground as a child of the test in its own process group; a
 * small watchdog kills it and removes its folder if the test process dies without
 * cleaning up (even by SIGKILL), and `process.on('exit')` does the same on a normal exit.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

export const DOVECOT_BIN = process.env.WRIT_TEST_DOVECOT ?? '/usr/sbin/dovecot';

export interface DovecotOptions {
  /** Local parts or full addresses; default three users at example.test. */
  users?: readonly string[];
  masterUser?: string;
  password?: string;
}

export interface Dovecot {
  host: string;
  port: number;
  /** Full user names (addresses) that can log in. */
  users: string[];
  /** Every user's password (test only). */
  password: string;
  masterUser: string;
  masterPassword: string;
  /** Where Dovecot keeps each user's Maildir: `<mailRoot>/<user>/`. */
  mailRoot: string;
  /**
   * Makes one user's folder refuse new messages (an ACL without the insert right), the way a
   * locked-down mailbox refuses a move. Creates the folder if needed.
   */
  denyInsert(user: string, folder: string): void;
  /** Hands everything under mailRoot to the mail account (after writing Maildirs there directly). */
  adoptMail(): void;
  /** Adds users to the passwd file; Dovecot reads it again on the next login. */
  addUsers(users: readonly string[]): void;
  /** Kills the server abruptly (SIGKILL to its process group); the mail stays on disk. */
  kill(): Promise<void>;
  /** Starts the server again on the same port with the same mail, after `kill()`. */
  start(): Promise<void>;
  /** Stops the server and removes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

const running = new Set<{ kill(): void }>();
process.on('exit', () => {
  for (const server of running) server.kill();
});

/** Is Dovecot installed here? (`scripts/install-system-packages.sh` installs it.) */
export function dovecotAvailable(): boolean {
  return existsSync(DOVECOT_BIN);
}

export async function startDovecot(options: DovecotOptions = {}): Promise<Dovecot> {
  if (!dovecotAvailable()) {
    throw new Error(`${DOVECOT_BIN} not found: run scripts/install-system-packages.sh (apt-get install dovecot-imapd)`);
  }
  const users = (options.users ?? ['alice', 'bob', 'carol']).map(qualify);
  const password = options.password ?? 'user-secret';
  const masterUser = options.masterUser ?? 'admin';
  const masterPassword = randomBytes(12).toString('base64url');
  const dir = mkdtempSync(join(tmpdir(), 'writ-dovecot-'));
  chmodSync(dir, 0o755);
  const port = await freePort();
  const accounts = accountsFor();
  const mailRoot = join(dir, 'mail');
  mkdirSync(mailRoot);
  chownSync(mailRoot, accounts.mailUid, accounts.mailGid);
  writeFileSync(join(dir, 'users'), '');
  const allUsers: string[] = [];
  const addUsers = (more: readonly string[]): void => {
    for (const user of more.map(qualify)) if (!allUsers.includes(user)) allUsers.push(user);
    writeFileSync(join(dir, 'users'), allUsers.map((u) => `${u}:{PLAIN}${password}\n`).join(''));
  };
  addUsers(users);
  writeFileSync(join(dir, 'masters'), `${masterUser}:{PLAIN}${masterPassword}\n`);
  writeFileSync(join(dir, 'dovecot.conf'), configFor(dir, port, accounts));

  let child: ChildProcess | undefined;
  let watchdog: ChildProcess | undefined;
  const handle = {
    kill(): void {
      killGroup(child);
      killGroup(watchdog);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  running.add(handle);

  const start = async (): Promise<void> => {
    rmSync(join(dir, 'run', 'master.pid'), { force: true });
    child = spawn(DOVECOT_BIN, ['-F', '-c', join(dir, 'dovecot.conf')], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<never>((_, reject) => {
      child?.once('exit', (code, signal) => reject(new Error(`dovecot exited (${code ?? signal}): ${stderr.trim()} ${readLog(dir)}`)));
    });
    exited.catch(() => undefined);
    await Promise.race([waitForGreeting(port, 10_000), exited]);
    // The watchdog outlives a test process killed without cleanup and tidies up after it.
    killGroup(watchdog);
    watchdog = spawn(
      'sh',
      ['-c', `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; kill -KILL -${child.pid} 2>/dev/null; rm -rf '${dir}'`],
      { detached: true, stdio: 'ignore' },
    );
    watchdog.unref();
  };

  const kill = async (): Promise<void> => {
    const current = child;
    if (current?.pid === undefined || current.exitCode !== null || current.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => current.once('exit', () => resolve()));
    killGroup(current);
    await gone;
    await waitUntilClosed(port, 5_000);
  };

  try {
    await start();
  } catch (error) {
    handle.kill();
    running.delete(handle);
    throw error;
  }
  return {
    host: '127.0.0.1',
    port,
    users: allUsers,
    password,
    masterUser,
    masterPassword,
    mailRoot,
    denyInsert(user, folder) {
      const dir = join(mailRoot, qualify(user), `.${folder}`);
      for (const path of [join(mailRoot, qualify(user)), dir, join(dir, 'cur'), join(dir, 'new'), join(dir, 'tmp')]) {
        mkdirSync(path, { recursive: true });
        chownSync(path, accounts.mailUid, accounts.mailGid);
      }
      // lookup, read, write flags, seen: no insert (i), no expunge (e), no delete (x).
      writeFileSync(join(dir, 'dovecot-acl'), 'owner lrws\n');
      chownSync(join(dir, 'dovecot-acl'), accounts.mailUid, accounts.mailGid);
    },
    adoptMail() {
      chownTree(mailRoot, accounts.mailUid, accounts.mailGid);
    },
    addUsers,
    kill,
    start,
    async stop() {
      await kill();
      killGroup(watchdog);
      running.delete(handle);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function qualify(user: string): string {
  return user.includes('@') ? user : `${user}@example.test`;
}

interface Accounts {
  mailUser: string;
  mailGroup: string;
  mailUid: number;
  mailGid: number;
  loginUser: string;
}

/** As root, Dovecot drops to its own accounts; as anyone else, everything runs as that user. */
function accountsFor(): Accounts {
  const id = (flag: string, user?: string): string => spawnSync('id', user === undefined ? [flag] : [flag, user], { encoding: 'utf8' }).stdout.trim();
  const me = userInfo();
  if (me.uid !== 0) return { mailUser: me.username, mailGroup: id('-gn'), mailUid: me.uid, mailGid: me.gid, loginUser: me.username };
  return { mailUser: 'dovecot', mailGroup: id('-gn', 'dovecot'), mailUid: Number(id('-u', 'dovecot')), mailGid: Number(id('-g', 'dovecot')), loginUser: 'dovenull' };
}

function configFor(dir: string, port: number, accounts: Accounts): string {
  return `# Generated by test/support/dovecot.ts
protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:${dir}/mail/%u
mail_uid = ${accounts.mailUser}
mail_gid = ${accounts.mailGid}
first_valid_uid = 1
first_valid_gid = 1
default_internal_user = ${accounts.mailUser}
default_internal_group = ${accounts.mailGroup}
default_login_user = ${accounts.loginUser}
auth_master_user_separator = *
mail_max_userip_connections = 100
# Refused logins answer at once (the default waits 2 s), so tests of refusals stay fast.
auth_failure_delay = 0
mail_plugins = acl
plugin {
  # Per-folder access control lists (a \`dovecot-acl\` file in a folder), so a test can
  # make one mailbox refuse a move the way a locked-down production mailbox would.
  acl = vfile
  # ACLs apply as the mailbox owner, also when the master user logs in on their behalf.
  acl_user = %u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
  chroot =
}
service anvil {
  chroot =
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/masters
  master = yes
  pass = yes
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/users
}
userdb {
  driver = static
  args = uid=${accounts.mailUid} gid=${accounts.mailGid} home=${dir}/home/%u
}
`;
}

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) chownTree(child, uid, gid);
    else chownSync(child, uid, gid);
  }
}

function readLog(dir: string): string {
  try {
    return readFileSync(join(dir, 'dovecot.log'), 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '';
  }
}

function killGroup(child: ChildProcess | undefined): void {
  if (child?.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once the server sends its `* OK` greeting. */
async function waitForGreeting(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await greets(port)) return;
    if (Date.now() > deadline) throw new Error(`dovecot did not greet on port ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function waitUntilClosed(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (await greets(port)) {
    if (Date.now() > deadline) throw new Error(`port ${port} still answers after the kill`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (data: Buffer) => done(data.toString().startsWith('* OK')));
  });
}
