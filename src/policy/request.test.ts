import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWritError } from '../errors/index.ts';
import { normalizeRequest, toPermille } from './request.ts';
import { request } from './test-support.ts';

function refusal(input: unknown): string {
  try {
    normalizeRequest(input);
  } catch (error) {
    assert.ok(isWritError(error, 'WRIT_INPUT_INVALID'), String(error));
    assert.doesNotMatch(error.message, /\n/);
    return error.message;
  }
  assert.fail('expected the request to be refused');
}

describe('decision request', () => {
  it('converts 0..1 to permille, rounding confidence down and uncertainty up', () => {
    const { cedarContext, unknown } = normalizeRequest(request({ context: { confidence: 0.8996, uncertainty: 0.1001, origin: 'rule' } }));
    assert.equal(cedarContext.confidence, 899);
    assert.equal(cedarContext.uncertainty, 101);
    assert.equal(cedarContext.origin, 'rule');
    assert.ok(unknown.includes('blast_radius') && !unknown.includes('confidence'));
  });

  it('keeps exact decimals exact despite binary noise (0.57 is 570, not 569)', () => {
    assert.equal(toPermille(0.57, 'down'), 570);
    assert.equal(toPermille(0.9, 'down'), 900);
    assert.equal(toPermille(0.1, 'up'), 100);
    assert.equal(toPermille(0, 'up'), 0);
    assert.equal(toPermille(1, 'down'), 1000);
  });

  it('treats null as unknown, like an absent field', () => {
    const { cedarContext, unknown } = normalizeRequest(request({ context: { confidence: null, origin: 'ai' } }));
    assert.equal('confidence' in cedarContext, false);
    assert.ok(unknown.includes('confidence'));
  });

  it('refuses missing or ill-typed fields with one line naming the field', () => {
    const noContext = request();
    delete noContext.context;
    assert.match(refusal(noContext), /context: required/);
    assert.match(refusal({ ...request(), tenant: '' }), /tenant:/);
    assert.match(refusal(request({ principal: { type: 'robot', id: 'x' } })), /principal\.type:/);
    assert.match(refusal(request({ context: { confidence: 1.2 } })), /context\.confidence:/);
    assert.match(refusal(request({ context: { blast_radius: 2.5 } })), /context\.blast_radius:/);
    assert.match(refusal(request({ context: { identity_class: 'root' } })), /context\.identity_class:/);
    assert.match(refusal(request({ context: { confidance: 0.9 } })), /context\.confidance: unknown field/);
    assert.match(refusal({ ...request(), extra: 1 }), /extra: unknown field/);
    assert.match(refusal('not an object'), /request:/);
  });

  it('refuses an unknown action and a resource of the wrong kind', () => {
    assert.throws(() => normalizeRequest(request({ action: 'format_disk' })), (e) => isWritError(e, 'WRIT_ACTION_UNKNOWN'));
    assert.match(refusal(request({ resource: { type: 'host', id: 'h' } })), /quarantine_message acts on message, not host/);
  });

  it('accepts the agent principal and every resource kind an action allows', () => {
    normalizeRequest(request({ principal: { type: 'agent', id: 'copilot' } }));
    normalizeRequest(request({ action: 'notify_reporter', resource: { type: 'case', id: 'c' } }));
    normalizeRequest(request({ action: 'notify_reporter', resource: { type: 'message', id: 'm' } }));
  });
});
