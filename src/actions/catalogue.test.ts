import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWritError } from '../errors/index.ts';
import {
  ACTION_NAMES,
  actionContext,
  canonicalActionHash,
  getActionType,
  listActionTypes,
  riskRank,
  validateParams,
} from './index.ts';

const REQUIRED = [
  'quarantine_message',
  'purge_campaign',
  'restore_message',
  'block_indicator',
  'notify_reporter',
  'notify_external',
  'open_case',
  'route_case',
  'revoke_token',
  'disable_account',
  'enable_account',
  'rotate_secret',
  'shorten_session_lifetime',
  'isolate_host',
  'export_evidence',
  'close_case',
];

/** Valid parameters for every action, so the generic checks can run on each. */
const SAMPLE: Record<string, Record<string, unknown>> = {
  quarantine_message: { mailbox: 'ann@example.com', messageId: '<a1@mail.example>' },
  restore_message: { mailbox: 'ann@example.com', messageId: '<a1@mail.example>' },
  purge_campaign: { campaignId: 'c-1', mailboxes: ['a@x.io', 'b@x.io'], mode: 'quarantine' },
  restore_campaign: { campaignId: 'c-1', mailboxes: ['a@x.io'] },
  block_indicator: { kind: 'domain', value: 'evil.example', expiresInSeconds: 86400 },
  unblock_indicator: { kind: 'domain', value: 'evil.example' },
  notify_reporter: { recipients: ['ann@example.com'], template: 'malicious' },
  notify_external: { recipients: ['abuse@registrar.example'], template: 'abuse_report' },
  revoke_token: { identity: 'svc-billing', tokenId: 'tok-1' },
  disable_account: { identity: 'svc-billing' },
  enable_account: { identity: 'svc-billing' },
  rotate_secret: { identity: 'svc-billing', gracePeriodSeconds: 3600 },
  shorten_session_lifetime: { identity: 'svc-billing', maxLifetimeSeconds: 900 },
  restore_session_lifetime: { identity: 'svc-billing', maxLifetimeSeconds: 28800 },
  isolate_host: { host: 'ws-042', allowSecurityTooling: true },
  release_host: { host: 'ws-042' },
  open_case: { title: 'Phish', caseType: 'phishing', severity: 'high' },
  route_case: { queue: 'tier2' },
  close_case: { resolution: 'resolved' },
  reopen_case: { reason: 'new evidence' },
  export_evidence: { includeArtefacts: true },
};

function paramsError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(isWritError(error, 'WRIT_ACTION_PARAMS_INVALID'), `expected WRIT_ACTION_PARAMS_INVALID, got ${String(error)}`);
    assert.doesNotMatch(error.message, /\n/);
    return error.message;
  }
  assert.fail('expected the parameters to be refused');
}

describe('action catalogue', () => {
  it('holds every action the issue asks for, and samples cover the whole catalogue', () => {
    for (const name of REQUIRED) assert.equal(getActionType(name).name, name);
    assert.deepEqual(Object.keys(SAMPLE).sort(), [...ACTION_NAMES].sort());
  });

  it('refuses an unknown action with WRIT_ACTION_UNKNOWN', () => {
    assert.throws(() => getActionType('launch_missiles'), (e) => isWritError(e, 'WRIT_ACTION_UNKNOWN'));
    assert.throws(() => validateParams('launch_missiles', {}), (e) => isWritError(e, 'WRIT_ACTION_UNKNOWN'));
  });

  it('accepts the sample parameters of every action', () => {
    for (const type of listActionTypes()) assert.deepEqual(validateParams(type.name, SAMPLE[type.name]), SAMPLE[type.name]);
  });

  it('rejects unknown keys on every action, naming the field', () => {
    for (const type of listActionTypes()) {
      const message = paramsError(() => validateParams(type.name, { ...SAMPLE[type.name], sneaky: 1 }));
      assert.match(message, new RegExp(`^${type.name}: params\\.sneaky: unknown field$`));
    }
  });

  it('names the bad field in one line', () => {
    assert.match(paramsError(() => validateParams('quarantine_message', { mailbox: 7, messageId: 'x' })), /params\.mailbox:/);
    assert.match(paramsError(() => validateParams('purge_campaign', { campaignId: 'c', mailboxes: [], mode: 'delete' })), /params\.mailboxes:/);
    assert.match(paramsError(() => validateParams('purge_campaign', { campaignId: 'c', mailboxes: ['a'], mode: 'shred' })), /params\.mode:/);
    assert.match(paramsError(() => validateParams('notify_reporter', { recipients: ['not-an-address'], template: 'safe' })), /params\.recipients\.0:/);
    assert.match(paramsError(() => validateParams('close_case', null)), /^close_case: params:/);
  });

  it('requires blocks to expire, within 90 days, and checks the indicator shape', () => {
    const base = { kind: 'attachment_sha256', value: 'a'.repeat(64) };
    assert.ok(validateParams('block_indicator', { ...base, expiresInSeconds: 3600 }));
    assert.match(paramsError(() => validateParams('block_indicator', base)), /params\.expiresInSeconds:/);
    assert.match(paramsError(() => validateParams('block_indicator', { ...base, expiresInSeconds: 91 * 86400 })), /expiresInSeconds/);
    assert.match(paramsError(() => validateParams('block_indicator', { ...base, value: 'abc', expiresInSeconds: 60 })), /params\.value: not a valid attachment_sha256/);
    assert.match(paramsError(() => validateParams('block_indicator', { kind: 'url', value: 'not a url', expiresInSeconds: 60 })), /params\.value/);
  });

  it('pairs reversible actions with their undo, and the undo exists and undoes back', () => {
    const pairs: Array<[string, string]> = [
      ['quarantine_message', 'restore_message'],
      ['disable_account', 'enable_account'],
      ['isolate_host', 'release_host'],
      ['block_indicator', 'unblock_indicator'],
      ['purge_campaign', 'restore_campaign'],
    ];
    for (const [action, undo] of pairs) {
      assert.equal(getActionType(action).undo?.action, undo);
      assert.equal(getActionType(undo).undo?.action, action);
    }
    for (const type of listActionTypes()) {
      if (type.reversibility === 'irreversible') assert.equal(type.undo, null, type.name);
      else assert.ok(type.undo !== null && getActionType(type.undo.action), type.name);
      const undoParams = type.undo?.params?.(SAMPLE[type.name] ?? {});
      if (undoParams !== undefined && type.undo !== null) validateParams(type.undo.action, undoParams);
    }
  });

  it('makes a purge reversible only when it quarantines, and ranks the irreversible purge higher', () => {
    const purge = getActionType('purge_campaign');
    const quarantine = { campaignId: 'c', mailboxes: ['a@x.io'], mode: 'quarantine' };
    const del = { ...quarantine, mode: 'delete' };
    assert.equal(purge.reversibility, 'conditional');
    assert.equal(purge.isReversible(quarantine), true);
    assert.equal(purge.isReversible(del), false);
    assert.ok(riskRank(purge.riskClass(del)) > riskRank(purge.riskClass(quarantine)));
    assert.equal(purge.riskClass(del), 'critical');
  });

  it('ranks every irreversible action above its base risk (capped at critical)', () => {
    for (const type of listActionTypes()) {
      const params = SAMPLE[type.name] ?? {};
      const expected = type.isReversible(params) ? riskRank(type.baseRisk) : Math.min(riskRank(type.baseRisk) + 1, 3);
      assert.equal(riskRank(type.riskClass(params)), expected, type.name);
    }
    assert.equal(getActionType('revoke_token').riskClass(SAMPLE.revoke_token ?? {}), 'critical');
  });

  it('marks disruptive exactly the actions that change systems other than Writ case records', () => {
    const disruptive = listActionTypes().filter((t) => t.disruptive).map((t) => t.name);
    for (const name of ['quarantine_message', 'purge_campaign', 'revoke_token', 'disable_account', 'isolate_host', 'block_indicator']) {
      assert.ok(disruptive.includes(name), name);
    }
    for (const name of ['open_case', 'route_case', 'close_case', 'export_evidence', 'notify_reporter']) {
      assert.ok(!disruptive.includes(name), name);
    }
    for (const type of listActionTypes()) assert.equal(type.groups.includes('disruptive'), type.disruptive);
  });

  it('declares the connector capability each action needs', () => {
    assert.equal(getActionType('quarantine_message').capability, 'mail.quarantine');
    assert.equal(getActionType('notify_reporter').capability, 'mail.notify');
    assert.equal(getActionType('revoke_token').capability, 'identity.revoke');
    assert.equal(getActionType('open_case').capability, 'case.write');
  });

  it('computes blast radius from parameters and facts, and leaves it unknown without the facts', () => {
    const purge = getActionType('purge_campaign');
    assert.equal(purge.blastRadius({ campaignId: 'c', mailboxes: ['a@x.io', 'A@x.io', 'b@x.io'], mode: 'delete' }), 2);
    assert.equal(getActionType('quarantine_message').blastRadius(SAMPLE.quarantine_message ?? {}), 1);
    const revoke = getActionType('revoke_token');
    assert.equal(revoke.blastRadius(SAMPLE.revoke_token ?? {}), undefined);
    assert.equal(revoke.blastRadius(SAMPLE.revoke_token ?? {}, { dependents: 4 }), 5);
    assert.equal(getActionType('block_indicator').blastRadius(SAMPLE.block_indicator ?? {}, { mailboxes: 800 }), 800);
    assert.equal(getActionType('open_case').blastRadius(SAMPLE.open_case ?? {}), 0);
    assert.throws(() => purge.blastRadius({ campaignId: 'c' }), (e) => isWritError(e, 'WRIT_ACTION_PARAMS_INVALID'));
  });
});

describe('actionContext', () => {
  it('derives reversible and blast_radius for the policy context, leaving unknown reach out', () => {
    assert.deepEqual(actionContext('purge_campaign', { campaignId: 'c', mailboxes: ['a@x.io', 'b@x.io'], mode: 'delete' }), {
      reversible: false,
      blast_radius: 2,
    });
    assert.deepEqual(actionContext('revoke_token', SAMPLE.revoke_token), { reversible: false });
    assert.deepEqual(actionContext('disable_account', SAMPLE.disable_account, { dependents: 0 }), { reversible: true, blast_radius: 1 });
    assert.throws(() => actionContext('disable_account', {}), (e) => isWritError(e, 'WRIT_ACTION_PARAMS_INVALID'));
  });
});

describe('canonicalActionHash', () => {
  const action = {
    type: 'quarantine_message',
    target: { type: 'message' as const, id: 'm-1' },
    params: { mailbox: 'ann@example.com', messageId: '<a1@mail.example>' },
    caseId: 'case-9',
  };

  it('is a hex SHA-256 that ignores key order', () => {
    const hash = canonicalActionHash(action);
    assert.match(hash, /^[0-9a-f]{64}$/);
    const reordered = {
      caseId: 'case-9',
      params: { messageId: '<a1@mail.example>', mailbox: 'ann@example.com' },
      target: { id: 'm-1', type: 'message' as const },
      type: 'quarantine_message',
    };
    assert.equal(canonicalActionHash(reordered), hash);
  });

  it('treats an optional parameter given as undefined like one left out', () => {
    const closed = { type: 'close_case', target: { type: 'case' as const, id: 'c' } };
    assert.equal(
      canonicalActionHash({ ...closed, params: { resolution: 'resolved', note: undefined } }),
      canonicalActionHash({ ...closed, params: { resolution: 'resolved' } }),
    );
  });

  it('changes when any parameter, the target or the case changes', () => {
    const hash = canonicalActionHash(action);
    const variants = [
      { ...action, params: { ...action.params, mailbox: 'bob@example.com' } },
      { ...action, target: { type: 'message' as const, id: 'm-2' } },
      { ...action, caseId: 'case-10' },
      { type: action.type, target: action.target, params: action.params },
      { ...action, type: 'restore_message' },
    ];
    const hashes = new Set(variants.map((v) => canonicalActionHash(v)));
    assert.equal(hashes.size, variants.length);
    assert.ok(!hashes.has(hash));
  });

  it('refuses invalid parameters, unknown actions and a target of the wrong kind', () => {
    assert.throws(() => canonicalActionHash({ ...action, params: { mailbox: 'x' } }), (e) => isWritError(e, 'WRIT_ACTION_PARAMS_INVALID'));
    assert.throws(() => canonicalActionHash({ ...action, type: 'nope' }), (e) => isWritError(e, 'WRIT_ACTION_UNKNOWN'));
    assert.throws(
      () => canonicalActionHash({ ...action, target: { type: 'host', id: 'h' } }),
      (e) => isWritError(e, 'WRIT_ACTION_PARAMS_INVALID') && /target/.test(e.message),
    );
  });
});
