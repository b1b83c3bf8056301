import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isWritError } from '../errors/index.ts';
import { AccessPolicy } from './access-policy.ts';
import { ROLES, type Role } from './roles.ts';

const policy = AccessPolicy.load();
const may = (type: 'Person' | 'Automation', roles: Role[], action: string) => policy.decide({ type, id: 'x', roles, action }).allowed;

test('the shipped API access policy validates against its schema and grants by role', () => {
  assert.ok(policy.actions.has('case.read') && !policy.actions.has('read'), 'route actions, not their groups');
  // Reading is for every role, and only for roles.
  for (const role of ROLES) assert.equal(may('Person', [role], 'case.list'), true, role);
  assert.equal(may('Person', [], 'case.list'), false, 'no role, no access');
  assert.equal(may('Person', [], 'self.read'), true, 'but anyone may ask who they are');
  // Each kind of work belongs to its role and no other.
  assert.equal(may('Person', ['viewer'], 'case.open'), false);
  assert.equal(may('Person', ['analyst'], 'case.open'), true);
  assert.equal(may('Person', ['analyst'], 'action.approve'), false, 'an analyst does not approve unless also an approver');
  assert.equal(may('Person', ['approver'], 'action.approve'), true);
  assert.equal(may('Person', ['analyst'], 'token.create'), false, 'an analyst calling an admin route');
  assert.equal(may('Person', ['admin'], 'token.create'), true);
  assert.equal(may('Person', ['admin'], 'action.approve'), false, 'administration grants no other power');
  assert.equal(may('Person', ['admin'], 'policy.deploy'), false);
  assert.equal(may('Person', ['policy_admin'], 'policy.deploy'), true);
  assert.equal(may('Person', ['analyst'], 'policy.deploy'), false);
  assert.equal(may('Person', ['analyst'], 'policy.validate'), true);
  assert.equal(may('Person', ['incident_commander'], 'incident.declare'), true);
  assert.equal(may('Person', ['approver'], 'incident.declare'), false);
});

test('an automation never approves or administers, whatever roles it is given', () => {
  assert.equal(may('Automation', ['approver'], 'action.approve'), false);
  assert.equal(may('Automation', ['approver'], 'action.reject'), false);
  assert.equal(may('Automation', ['admin'], 'token.create'), false);
  assert.equal(may('Automation', ['admin'], 'user.list'), false);
  assert.equal(may('Automation', ['analyst'], 'action.propose'), true);
  const refused = policy.decide({ type: 'Automation', id: 'bot', roles: ['approver'], action: 'action.approve' });
  assert.deepEqual(refused.policies, ['api-automation-never-decides'], 'the refusal names the forbid that made it');
});

test('an invalid access policy set is refused with Cedar\'s reason, and unknown actions are a bug', () => {
  const schema = 'entity Person = { roles: Set<String> }; entity Automation = { roles: Set<String> }; entity Api; action "case.read" appliesTo { principal: [Person, Automation], resource: [Api] };';
  assert.throws(() => AccessPolicy.fromSources(schema, '@id("x") permit (principal, action, resource) when { principal.rolez.contains("a") };'), (e) => isWritError(e, 'WRIT_POLICY_INVALID') && /rolez/.test(e.message));
  assert.throws(() => AccessPolicy.fromSources(schema, 'permit (principal, action, resource);'), (e) => isWritError(e, 'WRIT_POLICY_INVALID') && /@id/.test(e.message));
  assert.throws(() => policy.decide({ type: 'Person', id: 'a', roles: ['admin'], action: 'launch' }), (e) => isWritError(e, 'WRIT_INTERNAL'));
});

test('remembered decisions are the decisions Cedar makes, for every role combination and action', () => {
  const fresh = AccessPolicy.load();
  const combos: Role[][] = [];
  for (let mask = 0; mask < 1 << ROLES.length; mask++) combos.push(ROLES.filter((_, i) => mask & (1 << i)));
  for (const type of ['Person', 'Automation'] as const) {
    for (const roles of combos) {
      for (const action of fresh.actions) {
        const request = { type, id: 'x', roles, action };
        assert.deepEqual(fresh.decide(request), fresh.evaluate(request));
        assert.deepEqual(fresh.decide({ ...request, roles: [...roles].reverse() }), fresh.evaluate(request), 'role order does not matter');
      }
    }
  }
});
