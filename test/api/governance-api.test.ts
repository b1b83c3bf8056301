import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyConsistency, verifyInclusion, leafHash, verifyCheckpoint } from '../../src/ledger/index.ts';
import { ENGINES } from '../support/engines.ts';
import { PHISHING_WORKFLOW } from '../support/kernel.ts';
import { problem, withApi, type ApiWorld, type As } from './support.ts';

const MAILBOXES = Array.from({ length: 55 }, (_, i) => `user${i}@example.test`);
const CONFIDENT = { confidence: 0.97, uncertainty: 0.02, severity: 'high' };

interface Action {
  id: string;
  status: string;
  decision: string;
  actionHash: string;
  policies: string[];
  approvalsRequired: number;
  approvals: Array<{ approver: string; valid: boolean }>;
  rollbackOf: string | null;
  type: string;
}

async function call<T>(w: ApiWorld, as: As | null, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown, expect = method === 'POST' ? [200, 201, 202] : [200]): Promise<T> {
  const response = await w.request(as, { method, url, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
  assert.ok(expect.includes(response.statusCode), `${method} ${url} → ${response.statusCode}: ${response.body}`);
  return response.json() as T;
}

for (const engine of ENGINES) {
  test(`${engine}: a dual-control purge over the API: the automation's owner cannot approve, two other people must, and the campaign ends contained`, async () => {
    await withApi(
      engine,
      async (w) => {
        await w.app.campaigns.save({ id: 'camp-1', tenant: 'default', name: 'Payroll update', criteria: [{ subject: 'Payroll update: action required', from: 'examp1e-support.test' }] });
        const bot = await w.automation('phishing-playbook', ['analyst'], { owner: PHISHING_WORKFLOW.owner });
        const olivia = await w.person('olivia', ['approver']);
        const ana = await w.person('ana', ['analyst', 'approver']);
        const ben = await w.person('ben', ['approver']);
        const kase = await call<{ id: string }>(w, bot, 'POST', '/api/v1/cases', { title: 'Payroll phishing campaign', type: 'phishing', severity: 'high' });
        const action = await call<Action>(w, bot, 'POST', '/api/v1/actions', {
          type: 'purge_campaign',
          target: { type: 'campaign', id: 'camp-1' },
          params: { campaignId: 'camp-1', mailboxes: MAILBOXES, mode: 'quarantine' },
          caseId: kase.id,
          context: CONFIDENT,
        });
        assert.equal(action.decision, 'dual');
        assert.equal(action.approvalsRequired, 2);
        assert.ok(action.policies.includes('mail-purge-wide-dual'), 'the decision names the policy that made it');
        const waiting = await call<{ items: Action[] }>(w, ana, 'GET', '/api/v1/approvals');
        assert.deepEqual(waiting.items.map((a) => a.id), [action.id]);
        const campaignBefore = await call<{ containment: string; mailboxes: Array<{ state: string }> }>(w, ana, 'GET', '/api/v1/campaigns/camp-1');
        assert.equal(campaignBefore.containment, 'awaiting_approval');
        assert.equal(campaignBefore.mailboxes.filter((m) => m.state === 'exposed').length, 55);

        const own = await w.request(olivia, { method: 'POST', url: `/api/v1/actions/${action.id}/approve`, payload: { actionHash: action.actionHash } });
        assert.equal(own.statusCode, 403);
        assert.equal(problem(own).code, 'WRIT_SEPARATION_OF_DUTIES', 'the owner of the automation cannot approve what it proposed');
        const stale = await w.request(ana, { method: 'POST', url: `/api/v1/actions/${action.id}/approve`, payload: { actionHash: 'f'.repeat(64) } });
        assert.equal(stale.statusCode, 409);
        assert.equal(problem(stale).code, 'WRIT_APPROVAL_INVALID', 'an approval covers exactly the reviewed hash');
        const once = await call<Action>(w, ana, 'POST', `/api/v1/actions/${action.id}/approve`, { actionHash: action.actionHash, reason: 'campaign confirmed by header analysis' });
        assert.equal(once.status, 'awaiting_approval');
        assert.deepEqual(once.approvals.map((a) => [a.approver, a.valid]), [['user:ana', true]]);
        const twice = await w.request(ana, { method: 'POST', url: `/api/v1/actions/${action.id}/approve`, payload: { actionHash: action.actionHash } });
        assert.equal(twice.statusCode, 409, 'one person counts once');
        assert.equal(await w.drain(), 0, 'nothing runs on one approval');
        const done = await call<Action>(w, ben, 'POST', `/api/v1/actions/${action.id}/approve`, { actionHash: action.actionHash });
        assert.equal(done.status, 'approved');
        await w.drain();
        assert.equal((await call<Action>(w, ana, 'GET', `/api/v1/actions/${action.id}`)).status, 'executed');

        const campaign = await call<{ containment: string; mailboxes: Array<{ state: string; quarantined: number; remaining: number }>; cases: string[] }>(w, ana, 'GET', '/api/v1/campaigns/camp-1');
        assert.equal(campaign.containment, 'contained');
        assert.equal(campaign.mailboxes.length, 55);
        assert.ok(campaign.mailboxes.every((m) => m.state === 'contained' && m.quarantined === 1 && m.remaining === 0));
        assert.deepEqual(campaign.cases, [kase.id]);
        assert.equal(await w.app.mail.countRemaining({ subject: 'Lunch on Thursday' }), 55, 'ordinary mail untouched');
        const list = await call<{ items: Array<{ id: string }> }>(w, ana, 'GET', '/api/v1/campaigns');
        assert.deepEqual(list.items.map((c) => c.id), ['camp-1']);

        const detail = await call<{ case: { id: string }; actions: Action[] }>(w, ana, 'GET', `/api/v1/cases/${kase.id}`);
        assert.equal(detail.actions.length, 1);
        assert.deepEqual(detail.actions[0]!.approvals.map((a) => a.approver), ['user:ana', 'user:ben']);
        const closure = await call<{ closable: boolean; criteria: Array<{ criterion: string; met: boolean }> }>(w, ana, 'GET', `/api/v1/cases/${kase.id}/closure`);
        assert.equal(closure.closable, true, JSON.stringify(closure));
        const grants = await call<{ items: Array<{ actionId: string; usedAt: number | null }> }>(w, ana, 'GET', `/api/v1/cases/${kase.id}/grants`);
        assert.equal(grants.items.length, 1);
        assert.ok(grants.items[0]!.usedAt, 'the grant was redeemed once');
        assert.ok(!JSON.stringify(grants).includes('token'), 'grant tokens are never shown');
        const closed = await call<{ closeMode: string; closedBy: string }>(w, ana, 'POST', `/api/v1/cases/${kase.id}/close`, {});
        assert.deepEqual([closed.closeMode, closed.closedBy], ['evidence', 'user:ana']);

        const security = (await w.kinds()).filter((k) => k.startsWith('security.'));
        assert.deepEqual(security, ['security.approval_refused', 'security.approval_refused'], "the owner's approval and the stale hash were ledgered");
        const approvals = await w.store.db.selectFrom('ledger_entries').select('actor').where('kind', '=', 'approval.granted').orderBy('seq').execute();
        assert.deepEqual(approvals.map((r) => r.actor), ['user:ana', 'user:ben'], 'approvals are ledgered under the authenticated people');

        const evidence = await call<{ verifier_key: string; checkpoint: string; entries: Array<{ leaf_index: number; tree_size: number; leaf: string; path: string[]; root: string }> }>(w, ana, 'GET', `/api/v1/cases/${kase.id}/evidence`);
        const cp = verifyCheckpoint(evidence.checkpoint, evidence.verifier_key);
        assert.ok(evidence.entries.length >= 6);
        for (const e of evidence.entries) {
          assert.ok(verifyInclusion(leafHash(Buffer.from(e.leaf, 'base64')), e.leaf_index, e.tree_size, e.path.map((p) => Buffer.from(p, 'base64')), cp.rootHash));
        }
      },
      { mailboxes: MAILBOXES },
    );
  });

  test(`${engine}: a person cannot approve their own proposal; reject needs a reason; amend voids approvals; rollback is governed`, async () => {
    await withApi(
      engine,
      async (w) => {
        await w.app.campaigns.save({ id: 'camp-1', tenant: 'default', name: 'Payroll update', criteria: [{ subject: 'Payroll update: action required', from: 'examp1e-support.test' }] });
        const ana = await w.person('ana', ['analyst', 'approver']);
        const ben = await w.person('ben', ['analyst', 'approver']);
        const purge = (mailboxes: string[]) => call<Action>(w, ana, 'POST', '/api/v1/actions', { type: 'purge_campaign', target: { type: 'campaign', id: 'camp-1' }, params: { campaignId: 'camp-1', mailboxes, mode: 'quarantine' }, context: CONFIDENT });
        const mine = await purge(['user0@example.test']);
        assert.equal(mine.decision, 'approve');
        const self = await w.request(ana, { method: 'POST', url: `/api/v1/actions/${mine.id}/approve`, payload: { actionHash: mine.actionHash } });
        assert.equal(self.statusCode, 403);
        assert.equal(problem(self).code, 'WRIT_SEPARATION_OF_DUTIES');
        assert.equal((await call<Action>(w, ana, 'GET', `/api/v1/actions/${mine.id}`)).status, 'awaiting_approval', 'nothing changed');
        assert.ok((await w.kinds()).includes('security.approval_refused'));

        const noReason = await w.request(ben, { method: 'POST', url: `/api/v1/actions/${mine.id}/reject`, payload: { reason: '  ' } });
        assert.equal(noReason.statusCode, 400);
        const amended = await call<Action>(w, ana, 'POST', `/api/v1/actions/${mine.id}/amend`, { params: { campaignId: 'camp-1', mailboxes: ['user0@example.test', 'user1@example.test'], mode: 'quarantine' } });
        assert.notEqual(amended.actionHash, mine.actionHash);
        const notYours = await w.request(ben, { method: 'POST', url: `/api/v1/actions/${mine.id}/amend`, payload: { params: { campaignId: 'camp-1', mailboxes: ['user9@example.test'], mode: 'quarantine' } } });
        assert.equal(notYours.statusCode, 403, 'only the proposer amends');
        const old = await w.request(ben, { method: 'POST', url: `/api/v1/actions/${mine.id}/approve`, payload: { actionHash: mine.actionHash } });
        assert.equal(old.statusCode, 409, 'an approval for the old parameters does not count');
        await call<Action>(w, ben, 'POST', `/api/v1/actions/${mine.id}/approve`, { actionHash: amended.actionHash });
        await w.drain();
        assert.equal((await call<Action>(w, ben, 'GET', `/api/v1/actions/${mine.id}`)).status, 'executed');
        assert.equal(await w.app.mail.countRemaining({ subject: 'Payroll update' }, { mailboxes: ['user0@example.test', 'user1@example.test'] }), 0);

        const noWhy = await w.request(ben, { method: 'POST', url: `/api/v1/actions/${mine.id}/rollback`, payload: {} });
        assert.equal(noWhy.statusCode, 400);
        const rollback = await call<Action>(w, ben, 'POST', `/api/v1/actions/${mine.id}/rollback`, { reason: 'finance confirmed the mail was genuine' });
        assert.equal(rollback.rollbackOf, mine.id);
        assert.equal(rollback.type, 'restore_campaign');
        if (rollback.status === 'awaiting_approval') await call<Action>(w, ana, 'POST', `/api/v1/actions/${rollback.id}/approve`, { actionHash: rollback.actionHash });
        await w.drain();
        assert.equal((await call<Action>(w, ana, 'GET', `/api/v1/actions/${mine.id}`)).status, 'rolled_back');
        assert.equal(await w.app.mail.countRemaining({ subject: 'Payroll update' }, { mailboxes: ['user0@example.test', 'user1@example.test'] }), 2, 'the messages are back');

        const other = await purge(['user2@example.test']);
        const rejected = await call<Action>(w, ben, 'POST', `/api/v1/actions/${other.id}/reject`, { reason: 'the CFO newsletter, not phishing' });
        assert.equal(rejected.status, 'rejected');
        const metrics = await call<{ approvalsWaiting: number; rollbacks: { total: number }; decisions: Record<string, number>; timeToContain: { count: number } }>(w, ana, 'GET', '/api/v1/metrics');
        assert.equal(metrics.approvalsWaiting, 0);
        assert.equal(metrics.rollbacks.total, 1);
        assert.equal(metrics.timeToContain.count, 1);
        assert.equal(metrics.decisions.approve, 3, 'two purges and one rollback needed a person');
      },
      { mailboxes: MAILBOXES.slice(0, 3) },
    );
  });

  test(`${engine}: the case queue pages by SLA and by severity without gaps or repeats; closing without evidence needs an override`, async () => {
    await withApi(engine, async (w) => {
      const ana = await w.person('ana', ['analyst']);
      const severities = ['low', 'critical', 'medium', 'high', 'critical', 'low', 'high', 'medium', 'critical', 'low', 'high'];
      const ids: string[] = [];
      for (const [i, severity] of severities.entries()) {
        ids.push((await call<{ id: string }>(w, ana, 'POST', '/api/v1/cases', { title: `case ${i}`, severity, type: i % 2 === 0 ? 'phishing' : 'identity', queue: i % 3 === 0 ? 'tier2' : 'tier1' })).id);
      }
      const walk = async (query: string) => {
        const seen: Array<{ id: string; severity: string; slaDueAt: number }> = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const page: { items: Array<{ id: string; severity: string; slaDueAt: number }>; next: string | null } = await call(w, ana, 'GET', `/api/v1/cases?${query}&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
          seen.push(...page.items);
          cursor = page.next;
          pages += 1;
        } while (cursor && pages < 20);
        return seen;
      };
      const bySla = await walk('status=open&sort=sla');
      assert.equal(bySla.length, severities.length);
      assert.equal(new Set(bySla.map((c) => c.id)).size, severities.length, 'no repeats');
      for (let i = 1; i < bySla.length; i++) assert.ok(bySla[i - 1]!.slaDueAt <= bySla[i]!.slaDueAt, 'soonest due first');
      const rank = { critical: 0, high: 1, medium: 2, low: 3 } as Record<string, number>;
      const bySeverity = await walk('status=open&sort=severity');
      assert.equal(new Set(bySeverity.map((c) => c.id)).size, severities.length);
      for (let i = 1; i < bySeverity.length; i++) {
        const [a, b] = [bySeverity[i - 1]!, bySeverity[i]!];
        assert.ok(rank[a.severity]! < rank[b.severity]! || (a.severity === b.severity && a.slaDueAt <= b.slaDueAt), `${a.severity} before ${b.severity}`);
      }
      const critical = await walk('severity=critical');
      assert.deepEqual(critical.map((c) => c.severity), ['critical', 'critical', 'critical']);
      const tier2 = await call<{ items: Array<{ queue: string }> }>(w, ana, 'GET', '/api/v1/cases?queue=tier2');
      assert.equal(tier2.items.length, 4);
      const newest = await call<{ items: Array<{ id: string }> }>(w, ana, 'GET', '/api/v1/cases?sort=created&limit=2');
      assert.equal(newest.items[0]!.id, ids[ids.length - 1]);

      // A phishing case with an executed purge whose effect no longer holds cannot close on evidence.
      const kase = ids[0]!;
      await call(w, ana, 'POST', '/api/v1/ledger/notes', { text: 'called the reporter', caseId: kase });
      const closedNow = await call<{ closeMode: string }>(w, ana, 'POST', `/api/v1/cases/${kase}/close`, {});
      assert.equal(closedNow.closeMode, 'evidence', 'nothing pending, nothing to verify');
      const again = await w.request(ana, { method: 'POST', url: `/api/v1/cases/${kase}/close`, payload: {} });
      assert.equal(again.statusCode, 409);
      const shortOverride = await w.request(ana, { method: 'POST', url: `/api/v1/cases/${ids[1]}/close`, payload: { override: 'meh' } });
      assert.equal(shortOverride.statusCode, 400, 'an override needs a real justification');
      const timeline = await call<{ items: Array<{ kind: string; actor: string }> }>(w, ana, 'GET', `/api/v1/cases/${kase}/ledger`);
      assert.deepEqual(timeline.items.map((e) => e.kind), ['case.opened', 'operator.note', 'case.closed']);
      assert.ok(timeline.items.every((e) => e.actor === 'user:ana'));
      const open = await call<{ items: unknown[] }>(w, ana, 'GET', '/api/v1/cases?status=closed');
      assert.equal(open.items.length, 1);
    });
  });

  test(`${engine}: policies over the API: validate lists every problem, diff, deploy (optimistically), history and explain; ledger paging, proofs and verification`, async () => {
    await withApi(engine, async (w) => {
      const pa = await w.person('pat', ['policy_admin']);
      const ana = await w.person('ana', ['analyst']);
      const current = await call<{ version: string; sources: { schema: string; files: Record<string, string> }; policies: Array<{ id: string }> }>(w, ana, 'GET', '/api/v1/policies/current');
      assert.ok(current.policies.some((p) => p.id === 'mail-purge-wide-dual'));
      const broken = await w.request(pa, { method: 'POST', url: '/api/v1/policies/validate', payload: { files: { 'bad.cedar': '@id("x")\n@tier("auto")\npermit (principal, action == Action::"nope", resource);\n@id("y") permit (principal, action, resource);' } } });
      assert.equal(broken.statusCode, 422);
      const bp = problem(broken);
      assert.equal(bp.code, 'WRIT_POLICY_INVALID');
      assert.ok((bp.errors as string[]).length >= 2, 'every problem at once');
      const files = { ...current.sources.files, 'extra.cedar': '// Analysts may route cases.\n@id("extra-route")\n@tier("auto")\npermit (principal is User, action == Action::"route_case", resource is Case);\n' };
      const valid = await call<{ version: string }>(w, ana, 'POST', '/api/v1/policies/validate', { files });
      const diff = await call<{ diff: { added: string[]; removed: string[] } }>(w, ana, 'POST', '/api/v1/policies/diff', { files });
      assert.deepEqual(diff.diff.added, ['extra-route']);
      assert.equal((await w.request(ana, { method: 'POST', url: '/api/v1/policies/deploy', payload: { files } })).statusCode, 403, 'analysts check; policy admins deploy');
      const conflict = await w.request(pa, { method: 'POST', url: '/api/v1/policies/deploy', payload: { files, expectedCurrent: 'a'.repeat(64) } });
      assert.equal(conflict.statusCode, 409);
      const deployed = await call<{ version: string; deployedBy: string }>(w, pa, 'POST', '/api/v1/policies/deploy', { files, expectedCurrent: current.version });
      assert.deepEqual([deployed.version, deployed.deployedBy], [valid.version, 'user:pat']);
      const history = await call<{ items: Array<{ version: string; active: boolean }> }>(w, ana, 'GET', '/api/v1/policies/history');
      assert.deepEqual(history.items.map((h) => [h.version, h.active]), [[valid.version, true], [current.version, false]]);
      const explained = await call<{ decision: string; policies: string[] }>(w, ana, 'POST', '/api/v1/policies/explain', {
        principal: { type: 'workflow', id: 'phishing' }, action: 'quarantine_message', resource: { type: 'message', id: 'm' }, tenant: 'default', context: { confidence: 0.97, uncertainty: 0.02, origin: 'rule' },
      });
      assert.deepEqual([explained.decision, explained.policies], ['auto', ['mail-quarantine-confident-auto']]);
      const drift = await call<{ rows: unknown[] }>(w, ana, 'POST', '/api/v1/policies/drift', { requests: [{ name: 'q', request: { principal: { type: 'workflow', id: 'p' }, action: 'quarantine_message', resource: { type: 'message', id: 'm' }, tenant: 'default', context: {} } }] });
      assert.equal(drift.rows.length, 1);
      const fixtures = await call<{ passed: number; failed: number }>(w, ana, 'POST', '/api/v1/policies/test', {
        files,
        fixtures: { 'one.json': { cases: [{ name: 'confident quarantine', request: { principal: { type: 'workflow', id: 'p' }, action: 'quarantine_message', resource: { type: 'message', id: 'm' }, tenant: 'default', context: { confidence: 0.97, uncertainty: 0.02, origin: 'rule' } }, expect: { decision: 'auto' } }] } },
      });
      assert.deepEqual([fixtures.passed, fixtures.failed], [1, 0]);

      const first = await call<{ items: Array<{ seq: number; kind: string }>; next: number }>(w, ana, 'GET', '/api/v1/ledger/entries?limit=1');
      assert.deepEqual(first.items.map((e) => e.seq), [0]);
      assert.equal(first.next, 0);
      const second = await call<{ items: Array<{ seq: number }> }>(w, ana, 'GET', `/api/v1/ledger/entries?limit=1&after=${first.next}`);
      assert.equal(second.items[0]!.seq, 1);
      const one = await call<{ canonical: string; leafHash: string }>(w, ana, 'GET', '/api/v1/ledger/entries/1');
      assert.equal(leafHash(Buffer.from(one.canonical, 'base64')).toString('hex'), one.leafHash, 'the canonical bytes are the leaf');
      const deploys = await call<{ items: Array<{ kind: string }> }>(w, ana, 'GET', '/api/v1/ledger/entries?kind=policy.deployed');
      assert.equal(deploys.items.length, 2);
      const key = (await call<{ verifierKey: string }>(w, ana, 'GET', '/api/v1/ledger/key')).verifierKey;
      const proof = await call<{ leaf: string; leaf_index: number; tree_size: number; path: string[]; checkpoint: string }>(w, ana, 'GET', '/api/v1/ledger/proofs/inclusion?seq=1');
      const signed = verifyCheckpoint(proof.checkpoint, key);
      assert.ok(verifyInclusion(leafHash(Buffer.from(proof.leaf, 'base64')), proof.leaf_index, proof.tree_size, proof.path.map((p) => Buffer.from(p, 'base64')), signed.rootHash));
      const size = proof.tree_size;
      const consistency = await call<{ old_root: string; new_root: string; path: string[] }>(w, ana, 'GET', `/api/v1/ledger/proofs/consistency?old=1&new=${size}`);
      assert.ok(verifyConsistency(1, size, Buffer.from(consistency.old_root, 'base64'), Buffer.from(consistency.new_root, 'base64'), consistency.path.map((p) => Buffer.from(p, 'base64'))));
      const outOfRange = await w.request(ana, { method: 'GET', url: '/api/v1/ledger/proofs/inclusion?seq=99999' });
      assert.equal(outOfRange.statusCode, 400);
      assert.equal(problem(outOfRange).code, 'WRIT_LEDGER_RANGE');
      const verified = await call<{ ok: boolean; entries: number }>(w, ana, 'GET', '/api/v1/ledger/verify');
      assert.equal(verified.ok, true);
      assert.ok(verified.entries >= 2);
      const checkpoints = await call<{ items: Array<{ treeSize: number; note: string }> }>(w, ana, 'GET', '/api/v1/ledger/checkpoints?limit=1');
      assert.ok(verifyCheckpoint(checkpoints.items[0]!.note, key));
      const exported = await w.request(ana, { method: 'GET', url: '/api/v1/ledger/export' });
      assert.equal(exported.statusCode, 200);
      const lines = exported.body.trim().split('\n');
      assert.ok(lines.length >= verified.entries, 'every entry, plus checkpoints');
      assert.equal(leafHash(Buffer.from(lines[0]!, 'utf8')).toString('hex'), (await call<{ leafHash: string }>(w, ana, 'GET', '/api/v1/ledger/entries/0')).leafHash);
    });
  });

  test(`${engine}: a reported message uploaded as .eml goes to triage, its upload ledgered with the uploader; anything else is refused`, async () => {
    await withApi(
      engine,
      async (w) => {
        const bot = await w.automation('report-relay', ['analyst']);
        const eml = 'From: "IT Service Desk" <helpdesk@examp1e-support.test>\r\nTo: carol@example.test\r\nSubject: Payroll update: action required\r\nMessage-ID: <upload-1@examp1e-support.test>\r\nDate: Sun, 22 Nov 2026 08:00:00 +0000\r\n\r\nVerify at https://examp1e-support.test/login now.\r\n';
        const upload = () => w.request(bot, { method: 'POST', url: '/api/v1/reports?reporter=carol@example.test', payload: eml, headers: { 'content-type': 'message/rfc822' } });
        const accepted = await upload();
        assert.equal(accepted.statusCode, 202, accepted.body);
        const outcome = accepted.json() as { reportId: string; duplicate: boolean; verdict: string };
        assert.equal(outcome.duplicate, false);
        assert.ok(['safe', 'malicious', 'uncertain'].includes(outcome.verdict));
        const again = (await upload()).json() as { reportId: string; duplicate: boolean; reportCount: number };
        assert.deepEqual([again.reportId, again.duplicate, again.reportCount], [outcome.reportId, true, 2], 'the same message reported twice is counted, not triaged twice');
        const uploads = await w.store.db.selectFrom('ledger_entries').select(['actor', 'body']).where('kind', '=', 'report.uploaded').execute();
        assert.deepEqual(uploads.map((u) => u.actor), ['workflow:report-relay', 'workflow:report-relay']);
        assert.ok(uploads.every((u) => !u.body.includes('Verify at')), 'the ledger holds references, not the content');
        const noReporter = await w.request(bot, { method: 'POST', url: '/api/v1/reports', payload: eml, headers: { 'content-type': 'message/rfc822' } });
        assert.equal(noReporter.statusCode, 400);
        const junk = await w.request(bot, { method: 'POST', url: '/api/v1/reports?reporter=carol@example.test', payload: '\u0000\u0001binary', headers: { 'content-type': 'message/rfc822' } });
        assert.equal(junk.statusCode, 422);
        assert.equal(problem(junk).code, 'WRIT_MAIL_INVALID');
        const huge = await w.request(bot, { method: 'POST', url: '/api/v1/reports?reporter=carol@example.test', payload: `Subject: x\r\n\r\n${'x'.repeat(70_000)}`, headers: { 'content-type': 'message/rfc822' } });
        assert.equal(huge.statusCode, 413);
        assert.equal((await w.kinds()).filter((k) => k === 'report.uploaded').length, 2);
      },
      { server: { reportLimit: 64 * 1024 } },
    );
  });
}
