import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isWritError } from '../../src/errors/index.ts';
import { verifyStore } from '../../src/ledger/index.ts';
import type { Store } from '../../src/store/index.ts';
import { ENGINES, withStore } from '../support/engines.ts';
import { PHISHING_WORKFLOW, makeKernelWorld, type KernelWorld } from '../support/kernel.ts';

const CONFIDENT = { confidence: 0.97, uncertainty: 0.02, severity: 'high' as const };
/** Not confident enough for an automatic purge: the default policy asks one person. */
const UNSURE = { confidence: 0.8, uncertainty: 0.2, severity: 'high' as const };

async function kinds(store: Store, action?: string): Promise<string[]> {
  let q = store.db.selectFrom('ledger_entries').select('kind').orderBy('seq');
  if (action) q = q.where('action_id', '=', action);
  return (await q.execute()).map((r) => r.kind);
}

async function inbox(world: KernelWorld, mailbox: string, messageId: string): Promise<number> {
  return world.mail.countRemaining({ messageId }, { mailboxes: [mailbox] });
}

async function withWorld(engine: (typeof ENGINES)[number], body: (store: Store, world: KernelWorld) => Promise<void>, mailboxes?: string[]) {
  await withStore(engine, async (store) => {
    const world = await makeKernelWorld(store, mailboxes);
    try {
      await body(store, world);
    } finally {
      await world.dispose();
    }
  });
}

for (const engine of ENGINES) {
  test(`${engine}: a confident quarantine runs automatically under a grant, is ledgered, and the case closes on read-back evidence`, async () => {
    await withWorld(engine, async (store, world) => {
      const { kernel } = world;
      const kase = await kernel.cases.open({ type: 'phishing', title: 'Payroll phish', tenant: 'acme', severity: 'high', openedBy: 'workflow:phishing-playbook' });
      const action = await kernel.actions.propose({
        principal: PHISHING_WORKFLOW,
        type: 'quarantine_message',
        target: { type: 'message', id: '<campaign-1@examp1e-support.test>' },
        params: { mailbox: 'alice@example.test', messageId: '<campaign-1@examp1e-support.test>' },
        caseId: kase.id,
        tenant: 'acme',
        context: CONFIDENT,
      });
      assert.equal(action.decision, 'auto');
      assert.ok(action.policies.includes('mail-quarantine-confident-auto'), action.policies.join());
      assert.equal(action.policyVersion, (await kernel.policies.current()).version, 'the decision names the version in force');
      assert.equal(action.status, 'approved');
      assert.equal(await inbox(world, 'alice@example.test', '<campaign-1@examp1e-support.test>'), 1, 'nothing moves before the executor runs');
      await world.drain();
      const done = await kernel.actions.get(action.id);
      assert.equal(done.status, 'executed', String(done.error));
      assert.equal(await inbox(world, 'alice@example.test', '<campaign-1@examp1e-support.test>'), 0);
      assert.equal(await inbox(world, 'bob@example.test', '<campaign-1@examp1e-support.test>'), 1, 'only the target mailbox was touched');
      assert.deepEqual(await kinds(store, action.id), ['action.proposed', 'policy.decided', 'grant.issued', 'action.executed']);
      const closed = await kernel.cases.close(kase.id, 'user:ana');
      assert.equal(closed.closeMode, 'evidence');
      assert.ok((await verifyStore(store, world.key)).entries > 5);
    });
  });

  test(`${engine}: closure without evidence is refused unless overridden, and the override is recorded`, async () => {
    await withWorld(engine, async (store, world) => {
      const { kernel } = world;
      const kase = await kernel.cases.open({ type: 'phishing', title: 'Payroll phish', tenant: 'acme', severity: 'high', openedBy: 'user:ana' });
      const action = await kernel.actions.propose({ principal: PHISHING_WORKFLOW, type: 'quarantine_message', target: { type: 'message', id: 'm' }, params: { mailbox: 'alice@example.test', messageId: '<campaign-1@examp1e-support.test>' }, caseId: kase.id, tenant: 'acme', context: CONFIDENT });
      await world.drain();
      // Someone puts the message back behind Writ's back: read-back must notice.
      await world.mail.deliver('alice@example.test', (await import('../support/kernel.ts')).phishMessage(1));
      await assert.rejects(kernel.cases.close(kase.id, 'user:ana'), (e) => isWritError(e, 'WRIT_CASE_NOT_CLOSABLE') && /disruptive_actions_verified/.test(e.message));
      assert.equal((await kernel.cases.get(kase.id)).status, 'open');
      await assert.rejects(kernel.cases.close(kase.id, 'user:ana', { override: '   ' }), (e) => isWritError(e, 'WRIT_CASE_NOT_CLOSABLE') || isWritError(e, 'WRIT_INPUT_INVALID'));
      const closed = await kernel.cases.close(kase.id, 'user:ana', { override: 'message re-delivered by the archive restore; handled by mail team' });
      assert.equal(closed.closeMode, 'override');
      assert.ok((await kinds(store)).includes('case.closed_override'));
      assert.equal((await kernel.actions.get(action.id)).status, 'executed');
    });
  });

  test(`${engine}: a dual-control purge needs two distinct approvers, neither the requester nor the automation's owner`, async () => {
    const mailboxes = Array.from({ length: 55 }, (_, i) => `user${i}@example.test`);
    await withWorld(
      engine,
      async (store, world) => {
        const { kernel } = world;
        const action = await kernel.actions.propose({ principal: PHISHING_WORKFLOW, type: 'purge_campaign', target: { type: 'campaign', id: 'camp-1' }, params: { campaignId: 'camp-1', mailboxes, mode: 'quarantine' }, tenant: 'acme', context: CONFIDENT });
        assert.equal(action.decision, 'dual');
        assert.equal(action.approvalsRequired, 2);
        assert.ok(action.policies.includes('mail-purge-wide-dual'));
        await assert.rejects(kernel.actions.approve(action.id, 'workflow:phishing-playbook', action.actionHash), (e) => isWritError(e, 'WRIT_SEPARATION_OF_DUTIES'));
        await assert.rejects(kernel.actions.approve(action.id, 'user:olivia', action.actionHash), (e) => isWritError(e, 'WRIT_SEPARATION_OF_DUTIES'), 'the owner of the automation cannot approve it');
        const once = await kernel.actions.approve(action.id, 'user:ana', action.actionHash);
        assert.equal(once.status, 'awaiting_approval');
        await assert.rejects(kernel.actions.approve(action.id, 'user:ana', action.actionHash), (e) => isWritError(e, 'WRIT_APPROVAL_INVALID'), 'one person counts once');
        assert.equal(await world.drain(), 0, 'nothing runs on one approval');
        assert.equal(await world.mail.countRemaining({ subject: 'Payroll update' }), 55);
        const twice = await kernel.actions.approve(action.id, 'user:ben', action.actionHash);
        assert.equal(twice.status, 'approved');
        await world.drain();
        assert.equal((await kernel.actions.get(action.id)).status, 'executed');
        assert.equal(await world.mail.countRemaining({ subject: 'Payroll update' }), 0);
        assert.equal(await world.mail.countRemaining({ subject: 'Lunch on Thursday' }), 55, 'ordinary mail untouched');
        const security = (await kinds(store)).filter((k) => k.startsWith('security.'));
        assert.deepEqual(security, ['security.approval_refused', 'security.approval_refused'], 'both self-approvals were ledgered as security events');
      },
      mailboxes,
    );
  });

  test(`${engine}: an approval covers one parameter set: amending the action voids it`, async () => {
    await withWorld(engine, async (_store, world) => {
      const { kernel } = world;
      const action = await kernel.actions.propose({ principal: PHISHING_WORKFLOW, type: 'purge_campaign', target: { type: 'campaign', id: 'camp-1' }, params: { campaignId: 'camp-1', mailboxes: ['alice@example.test'], mode: 'quarantine' }, tenant: 'acme', context: UNSURE });
      assert.equal(action.decision, 'approve');
      const amended = await kernel.actions.amend(action.id, 'workflow:phishing-playbook', { campaignId: 'camp-1', mailboxes: ['alice@example.test', 'bob@example.test', 'carol@example.test'], mode: 'quarantine' });
      assert.notEqual(amended.actionHash, action.actionHash);
      await assert.rejects(kernel.actions.approve(action.id, 'user:ana', action.actionHash), (e) => isWritError(e, 'WRIT_APPROVAL_INVALID') && /parameters changed/.test(e.message));
      assert.equal(await world.drain(), 0);
      assert.equal(await world.mail.countRemaining({ subject: 'Payroll update' }), 3, 'parameters Y did not run on an approval for X');
      const ok = await kernel.actions.approve(action.id, 'user:ana', amended.actionHash);
      assert.equal(ok.status, 'approved');
      await world.drain();
      assert.equal(await world.mail.countRemaining({ subject: 'Payroll update' }), 0);
    });
  });

  test(`${engine}: approvals expire; an executed or unknown action cannot be approved; a rejection needs a reason`, async () => {
    await withWorld(engine, async (store, world) => {
      const { kernel, clock } = world;
      const propose = () => kernel.actions.propose({ principal: PHISHING_WORKFLOW, type: 'purge_campaign', target: { type: 'campaign', id: 'camp-1' }, params: { campaignId: 'camp-1', mailboxes: ['alice@example.test'], mode: 'quarantine' }, tenant: 'acme', context: UNSURE });
      await assert.rejects(kernel.actions.approve('no-such-action', 'user:ana', 'x'), (e) => isWritError(e, 'WRIT_NOT_FOUND'));
      const a = await propose();
      await assert.rejects(kernel.actions.reject(a.id, 'user:ana', ''), (e) => isWritError(e, 'WRIT_INPUT_INVALID'));
      const rejected = await kernel.actions.reject(a.id, 'user:ana', 'this is the CFO newsletter, not phishing');
      assert.equal(rejected.status, 'rejected');
      await assert.rejects(kernel.actions.approve(a.id, 'user:ben', a.actionHash), (e) => isWritError(e, 'WRIT_APPROVAL_INVALID'));

      const b = await propose();
      await kernel.actions.approve(b.id, 'user:ana', b.actionHash);
      await world.drain();
      await assert.rejects(kernel.actions.approve(b.id, 'user:ben', b.actionHash), (e) => isWritError(e, 'WRIT_APPROVAL_INVALID') && /already executed/.test(e.message));
      assert.ok((await kinds(store)).includes('security.approval_refused'));

      // An approval that expires before execution no longer covers the action.
      const c = await kernel.actions.propose({ principal: PHISHING_WORKFLOW, type: 'purge_campaign', target: { type: 'campaign', id: 'camp-1' }, params: { campaignId: 'camp-1', mailboxes: ['bob@example.test'], mode: 'quarantine' }, tenant: 'acme', context: UNSURE });
      await kernel.actions.approve(c.id, 'user:ana', c.actionHash);
      clock.advance(3_600_001);
      await world.drain();
      assert.equal((await kernel.actions.get(c.id)).status, 'awaiting_approval');
      assert.equal(await world.mail.countRemaining({ subject: 'Payroll update' }, { mailboxes: ['bob@example.test'] }), 1);
      assert.ok((await kinds(store, c.id)).includes('security.execution_blocked'));
    });
  });

  test(`${engine}: grants: no connector acts without one; expired, foreign, forged and replayed grants are refused and ledgered`, async () => {
    await withWorld(engine, async (store, world) => {
      const { kernel, clock } = world;
      const action = await kernel.actions.propose({ principal: { type: 'user', id: 'ana' }, type: 'quarantine_message', target: { type: 'message', id: 'm1' }, params: { mailbox: 'alice@example.test', messageId: '<campaign-1@examp1e-support.test>' }, tenant: 'acme', context: CONFIDENT });
      const other = await kernel.actions.propose({ principal: { type: 'user', id: 'ana' }, type: 'quarantine_message', target: { type: 'message', id: 'm2' }, params: { mailbox: 'bob@example.test', messageId: '<campaign-1@examp1e-support.test>' }, tenant: 'acme', context: CONFIDENT });
      const connector = kernel.connectors.for('mail.quarantine');
      const record = { id: action.id, caseId: null, tenant: 'acme', type: action.type, target: action.target, params: action.params, actionHash: action.actionHash, undo: null, result: null };
      await assert.rejects(connector.execute(record, undefined as never), (e) => isWritError(e, 'WRIT_GRANT_INVALID'));
      await assert.rejects(connector.execute(record, { token: 'eyJnaWQiOiJ4In0.forged' }), (e) => isWritError(e, 'WRIT_GRANT_INVALID') && /forged/.test(e.message));
      const issue = (id: string, hash: string, target: string) => store.transaction((trx) => kernel.grants.issue(trx, { actionId: id, actionHash: hash, target, caseId: null }, 'test'));
      const foreign = await issue(other.id, other.actionHash, 'message:m2');
      await assert.rejects(connector.execute(record, { token: foreign.token }), (e) => isWritError(e, 'WRIT_GRANT_INVALID') && /foreign/.test(e.message));
      const expiring = await issue(action.id, action.actionHash, 'message:m1');
      clock.advance(5 * 60_000 + 1);
      await assert.rejects(connector.execute(record, { token: expiring.token }), (e) => isWritError(e, 'WRIT_GRANT_INVALID') && /expired/.test(e.message));
      assert.equal(await world.mail.countRemaining({ messageId: '<campaign-1@examp1e-support.test>' }, { mailboxes: ['alice@example.test'] }), 1, 'nothing moved on a bad grant');
      const good = await issue(action.id, action.actionHash, 'message:m1');
      await connector.execute(record, { token: good.token });
      await assert.rejects(connector.execute(record, { token: good.token }), (e) => isWritError(e, 'WRIT_GRANT_INVALID') && /replay/.test(e.message));
      const refusals = (await kinds(store)).filter((k) => k === 'security.grant_refused');
      assert.equal(refusals.length, 5);
    });
  });

  test(`${engine}: rollback is itself a governed action and restores the message`, async () => {
    await withWorld(engine, async (store, world) => {
      const { kernel } = world;
      const action = await kernel.actions.propose({ principal: PHISHING_WORKFLOW, type: 'quarantine_message', target: { type: 'message', id: 'm' }, params: { mailbox: 'alice@example.test', messageId: '<campaign-1@examp1e-support.test>' }, tenant: 'acme', context: CONFIDENT });
      await world.drain();
      await assert.rejects(kernel.actions.rollback(action.id, { type: 'user', id: 'ana' }, ''), (e) => isWritError(e, 'WRIT_INPUT_INVALID'));
      const rollback = await kernel.actions.rollback(action.id, { type: 'user', id: 'ana' }, 'reported as a false positive by finance');
      assert.equal(rollback.type, 'restore_message');
      assert.equal(rollback.rollbackOf, action.id);
      assert.ok(['auto', 'approve'].includes(rollback.decision), 'the rollback was decided by policy');
      if (rollback.decision === 'approve') await kernel.actions.approve(rollback.id, 'user:ben', rollback.actionHash);
      await world.drain();
      assert.equal((await kernel.actions.get(rollback.id)).status, 'executed');
      assert.equal((await kernel.actions.get(action.id)).status, 'rolled_back');
      assert.equal(await inbox(world, 'alice@example.test', '<campaign-1@examp1e-support.test>'), 1, 'the message is back');
      assert.ok((await kinds(store, rollback.id)).includes('action.rolled_back'));
      await assert.rejects(kernel.actions.rollback(action.id, { type: 'user', id: 'ana' }, 'again'), (e) => isWritError(e, 'WRIT_ACTION_STATE'));
    });
  });

  test(`${engine}: a denied or suggested action never reaches a connector; bad parameters change nothing`, async () => {
    await withWorld(engine, async (store, world) => {
      const { kernel } = world;
      await kernel.policies.current(); // the first use deploys the shipped defaults (ledgered)
      const before = (await kinds(store)).length;
      await assert.rejects(
        kernel.actions.propose({ principal: PHISHING_WORKFLOW, type: 'quarantine_message', target: { type: 'message', id: 'm' }, params: { mailbox: 'alice@example.test', messageId: 'x', extra: 1 }, tenant: 'acme', context: CONFIDENT }),
        (e) => isWritError(e, 'WRIT_ACTION_PARAMS_INVALID'),
      );
      await assert.rejects(kernel.actions.propose({ principal: PHISHING_WORKFLOW, type: 'launch_missiles', target: { type: 'message', id: 'm' }, params: {}, tenant: 'acme' }), (e) => isWritError(e, 'WRIT_ACTION_UNKNOWN'));
      assert.equal((await kinds(store)).length, before, 'nothing recorded for a malformed proposal');
      const undeclared = await kernel.actions.propose({ principal: { ...PHISHING_WORKFLOW, actions: ['notify_reporter'] }, type: 'quarantine_message', target: { type: 'message', id: 'm' }, params: { mailbox: 'alice@example.test', messageId: '<campaign-1@examp1e-support.test>' }, tenant: 'acme', context: CONFIDENT });
      assert.equal(undeclared.decision, 'deny');
      assert.equal(undeclared.status, 'denied');
      const advisor = await kernel.actions.propose({ principal: { type: 'advisor', id: 'builtin' }, type: 'quarantine_message', target: { type: 'message', id: 'm' }, params: { mailbox: 'alice@example.test', messageId: '<campaign-1@examp1e-support.test>' }, tenant: 'acme', context: CONFIDENT });
      assert.notEqual(advisor.decision, 'auto', 'AI-origin disruptive actions are never auto');
      assert.equal(advisor.origin, 'ai');
      const queued = await store.db.selectFrom('jobs').select(['kind', 'payload']).execute();
      assert.deepEqual(queued, [], 'nothing was queued for execution');
      assert.equal(await inbox(world, 'alice@example.test', '<campaign-1@examp1e-support.test>'), 1);
    });
  });

  test(`${engine}: major-incident authority ends at its expiry with nobody acting, and the incident is wound down`, async () => {
    await withWorld(engine, async (store, world) => {
      const { kernel, clock } = world;
      await assert.rejects(kernel.incidents.declare({ tenant: 'acme', commander: 'user:ic', justification: 'short', scope: { summary: 'x' }, durationMs: 60_000 }), (e) => isWritError(e, 'WRIT_INCIDENT_INVALID'));
      await assert.rejects(kernel.incidents.declare({ tenant: 'acme', commander: 'user:ic', justification: 'credential phishing wave against finance', scope: { summary: 'finance phishing' }, durationMs: 10 * 86_400_000 }), (e) => isWritError(e, 'WRIT_INCIDENT_INVALID') && /at most/.test(e.message));
      const incident = await kernel.incidents.declare({ tenant: 'acme', commander: 'user:ic', justification: 'credential phishing wave against finance', scope: { summary: 'finance phishing', elevatedAccess: [{ user: 'user:ana', role: 'approver' }] }, durationMs: 3_600_000 });
      assert.deepEqual(await kernel.incidents.elevatedRoles('acme', 'user:ana'), ['approver']);
      const purge = () => kernel.actions.propose({ principal: PHISHING_WORKFLOW, type: 'purge_campaign', target: { type: 'campaign', id: 'camp-1' }, params: { campaignId: 'camp-1', mailboxes: ['alice@example.test', 'bob@example.test'], mode: 'quarantine' }, tenant: 'acme', context: { confidence: 0.99, uncertainty: 0.2, severity: 'critical' } });
      const during = await purge();
      assert.equal(during.decision, 'auto', during.explanation);
      // Queued under the incident but not yet run when the incident expires: it must not run.
      clock.advance(3_600_001);
      assert.equal(await kernel.incidents.active('acme'), undefined, 'authority ended at expiry by itself');
      assert.deepEqual(await kernel.incidents.elevatedRoles('acme', 'user:ana'), []);
      const after = await purge();
      assert.equal(after.decision, 'approve', 'normal mode is back for new proposals');
      await world.drain();
      assert.equal((await kernel.actions.get(during.id)).status, 'expired');
      assert.equal(await world.mail.countRemaining({ subject: 'Payroll update' }), 3);
      const ended = await kernel.incidents.get(incident.id);
      assert.equal(ended.endReason, 'expired', 'the expiry job wound the incident down');
      assert.ok(ended.reviewCaseId);
      const review = await kernel.cases.get(ended.reviewCaseId);
      assert.equal(review.type, 'post_incident_review');
      assert.ok((await kinds(store)).includes('incident.ended'));
    });
  });
}
