import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MaildirSystem } from '../../src/mail/systems/index.ts';
import { leafHash, verifyCheckpoint, verifyInclusion } from '../../src/ledger/index.ts';
import { tempDir } from '../support/engines.ts';
import { runWrit } from '../support/cli.ts';
import { ordinaryMessage, phishMessage } from '../support/kernel.ts';

test('writ action/work/case/evidence: a proposal is decided, approved by someone else, executed and proven', async () => {
  const dir = tempDir();
  try {
    const data = join(dir.path, 'data');
    const env = { WRIT_DATA_DIR: data };
    const mail = new MaildirSystem({ root: join(data, 'maildir') });
    await mail.deliver('alice@example.test', phishMessage(7));
    await mail.deliver('alice@example.test', ordinaryMessage(1));

    const opened = runWrit(['case', 'open', '--type', 'phishing', '--title', 'Payroll phish', '--severity', 'high', '--as', 'workflow:phishing'], env);
    assert.equal(opened.status, 0, opened.stderr);
    const caseId = opened.stdout.trim();

    const proposal = join(dir.path, 'proposal.json');
    writeFileSync(
      proposal,
      JSON.stringify({
        principal: { type: 'workflow', id: 'phishing', owner: 'user:olivia', actions: ['quarantine_message', 'open_case'] },
        type: 'quarantine_message',
        target: { type: 'message', id: '<campaign-7@examp1e-support.test>' },
        params: { mailbox: 'alice@example.test', messageId: '<campaign-7@examp1e-support.test>' },
        caseId,
        context: { confidence: 0.7, uncertainty: 0.3, severity: 'high' },
      }),
    );
    const proposed = runWrit(['action', 'propose', '--file', proposal], env);
    assert.equal(proposed.status, 0, proposed.stderr);
    const action = JSON.parse(proposed.stdout) as { id: string; decision: string; status: string; action_hash: string; policies: string[] };
    assert.equal(action.decision, 'approve', 'an unsure verdict waits for a person');
    assert.equal(action.status, 'awaiting_approval');

    const notYet = runWrit(['work'], env);
    assert.match(notYet.stdout, /ran 0 jobs/);
    assert.equal(await mail.countRemaining({ messageId: '<campaign-7@examp1e-support.test>' }), 1);

    const byOwner = runWrit(['action', 'approve', action.id, '--hash', action.action_hash, '--as', 'user:olivia'], env);
    assert.equal(byOwner.status, 1);
    assert.match(byOwner.stderr, /^WRIT_SEPARATION_OF_DUTIES: /);
    assert.equal(byOwner.stderr.trim().split('\n').length, 1);

    const wrongHash = runWrit(['action', 'approve', action.id, '--hash', 'f'.repeat(64), '--as', 'user:ben'], env);
    assert.match(wrongHash.stderr, /^WRIT_APPROVAL_INVALID: /);

    const approved = runWrit(['action', 'approve', action.id, '--hash', action.action_hash, '--as', 'user:ben'], env);
    assert.equal(approved.status, 0, approved.stderr);
    assert.equal((JSON.parse(approved.stdout) as { status: string }).status, 'approved');
    const worked = runWrit(['work'], env);
    assert.equal(worked.status, 0, worked.stderr);
    assert.equal(await mail.countRemaining({ messageId: '<campaign-7@examp1e-support.test>' }), 0);
    assert.equal(await mail.countRemaining({ subject: 'Lunch' }), 1);

    const closed = runWrit(['case', 'close', caseId, '--as', 'user:ben'], env);
    assert.equal(closed.status, 0, closed.stderr);
    assert.match(closed.stdout, /\(evidence\)/);

    const out = join(dir.path, 'evidence.json');
    const exported = runWrit(['evidence', 'export', caseId, '--out', out], env);
    assert.equal(exported.status, 0, exported.stderr);
    const bundle = JSON.parse(readFileSync(out, 'utf8')) as { verifier_key: string; checkpoint: string; entries: Array<{ leaf: string; leaf_index: number; tree_size: number; path: string[] }> };
    const checkpoint = verifyCheckpoint(bundle.checkpoint, bundle.verifier_key);
    const kinds = bundle.entries.map((e) => (JSON.parse(Buffer.from(e.leaf, 'base64').toString()) as { kind: string }).kind);
    for (const kind of ['case.opened', 'action.proposed', 'policy.decided', 'approval.granted', 'grant.issued', 'action.executed', 'case.closed']) assert.ok(kinds.includes(kind), `${kind} in the bundle`);
    for (const entry of bundle.entries) {
      const ok = verifyInclusion(leafHash(Buffer.from(entry.leaf, 'base64')), entry.leaf_index, entry.tree_size, entry.path.map((p) => Buffer.from(p, 'base64')), checkpoint.rootHash);
      assert.ok(ok, `entry ${entry.leaf_index} proves into the checkpoint`);
    }
    const verify = runWrit(['ledger', 'verify'], env);
    assert.equal(verify.status, 0, verify.stderr);

    const bad = join(dir.path, 'bad.json');
    writeFileSync(bad, JSON.stringify({ principal: { type: 'robot', id: 'x' } }));
    const invalid = runWrit(['action', 'propose', '--file', bad], env);
    assert.equal(invalid.status, 1);
    assert.match(invalid.stderr, /^WRIT_INPUT_INVALID: .*principal\.type/);
  } finally {
    dir.remove();
  }
});

test('writ policy deploy: a new version is ledgered with its diff and used by explain; an invalid set is refused and the old one stays', async () => {
  const { cpSync, readdirSync: list } = await import('node:fs');
  const dir = tempDir();
  try {
    const env = { WRIT_DATA_DIR: join(dir.path, 'data') };
    const request = join(dir.path, 'request.json');
    writeFileSync(request, JSON.stringify({ principal: { type: 'workflow', id: 'phishing' }, action: 'quarantine_message', resource: { type: 'message', id: 'm' }, tenant: 'default', context: { confidence: 0.95, uncertainty: 0.01, origin: 'rule', severity: 'high' } }));
    const before = JSON.parse(runWrit(['policy', 'explain', '--request', request, '--json'], env).stdout) as { decision: string; version: string };
    assert.equal(before.decision, 'auto');
    assert.equal(list(dir.path).includes('data'), false, 'explaining creates no data directory');

    const stricter = join(dir.path, 'stricter');
    cpSync(join(import.meta.dirname, '../../policies/default'), stricter, { recursive: true });
    const mail = join(stricter, 'mail.cedar');
    writeFileSync(mail, readFileSync(mail, 'utf8').replace('@id("mail-quarantine-confident-auto")\n@tier("auto")', '@id("mail-quarantine-confident-auto")\n@tier("approve")'));
    const deployed = runWrit(['policy', 'deploy', stricter, '--as', 'user:pat'], env);
    assert.equal(deployed.status, 0, deployed.stderr);
    const deployment = JSON.parse(deployed.stdout) as { version: string; diff: { changed: string[] } };
    assert.deepEqual(deployment.diff.changed, ['mail-quarantine-confident-auto']);
    const after = JSON.parse(runWrit(['policy', 'explain', '--request', request, '--json'], env).stdout) as { decision: string; version: string };
    assert.equal(after.decision, 'approve');
    assert.equal(after.version, deployment.version);

    writeFileSync(join(stricter, 'broken.cedar'), 'permit (principal, action == Action::"no_such_action", resource);');
    const broken = runWrit(['policy', 'deploy', stricter], env);
    assert.equal(broken.status, 1);
    assert.match(broken.stderr, /^WRIT_POLICY_INVALID: /);
    const still = JSON.parse(runWrit(['policy', 'explain', '--request', request, '--json'], env).stdout) as { version: string };
    assert.equal(still.version, deployment.version, 'the set in force stays');
    const history = JSON.parse(runWrit(['policy', 'history'], env).stdout) as Array<{ active: boolean; deployedBy: string }>;
    assert.equal(history.length, 2, 'the bootstrap defaults and the stricter set');
    assert.equal(history[0]!.deployedBy, 'user:pat');
  } finally {
    dir.remove();
  }
});
