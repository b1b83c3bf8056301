import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cedar, type PolicyJson } from './cedar.ts';
import { compileProgram, EvaluationError, Unsupported, type ProgramEnv } from './policy-program.ts';

function json(text: string): PolicyJson {
  const answer = cedar.policyToJson(text);
  if (answer.type !== 'success') throw new Error(JSON.stringify(answer.errors));
  return answer.json;
}

function env(context: Record<string, string | number | boolean>, over: Partial<ProgramEnv> = {}): ProgramEnv {
  return {
    principal: { type: 'Workflow', id: 'w' },
    action: 'quarantine_message',
    ancestors: new Set(['quarantine_message', 'mail', 'disruptive']),
    resource: { type: 'Message', id: 'm' },
    context,
    principalAttrs: undefined,
    ...over,
  };
}

function run(text: string, e: ProgramEnv): boolean | string {
  const program = compileProgram(json(text));
  assert.ok(program, 'expected the policy to compile');
  try {
    return program(e);
  } catch (error) {
    if (error instanceof EvaluationError) return `error: ${error.message}`;
    throw error;
  }
}

describe('fast-path policy programs', () => {
  it('leaves constructs outside the subset to Cedar', () => {
    for (const text of [
      'permit (principal, action, resource) when { context.blast_radius + 1 > 5 };',
      'permit (principal, action, resource) when { if context.regulated then true else false };',
      'permit (principal, action, resource) when { context.severity like "crit*" };',
      'permit (principal in User::"team", action, resource);',
      'permit (principal is User in User::"team", action, resource);',
      'permit (principal, action, resource in Case::"c");',
      'permit (principal, action, resource) when { context.blast_radius > 9007199254740993 };',
    ]) {
      assert.equal(compileProgram(json(text)), null, text);
    }
  });

  it('evaluates scope, comparisons and set membership as Cedar does', () => {
    const e = env({ confidence: 950, origin: 'rule', identity_class: 'ci_cd' });
    assert.equal(run('permit (principal is Workflow, action in Action::"mail", resource) when { context.confidence >= 950 };', e), true);
    assert.equal(run('permit (principal is User, action, resource);', e), false);
    assert.equal(run('permit (principal, action == Action::"purge_campaign", resource);', e), false);
    assert.equal(run('permit (principal, action in [Action::"identity", Action::"disruptive"], resource);', e), true);
    assert.equal(run('permit (principal, action, resource) when { ["ci_cd", "break_glass"].contains(context.identity_class) };', e), true);
    assert.equal(run('permit (principal, action, resource) when { context.origin != "rule" };', e), false);
    assert.equal(run('permit (principal, action, resource) unless { principal is Workflow };', e), false);
    // Values of different types are unequal in Cedar, not an error.
    assert.equal(run('permit (principal, action, resource) when { context.origin == principal };', e), false);
  });

  it('errors on an unknown field, but only where Cedar would read it (short-circuit)', () => {
    const e = env({ origin: 'ai' });
    assert.equal(run('forbid (principal, action, resource) when { context.origin == "ai" || context.confidence < 500 };', e), true);
    assert.equal(run('forbid (principal, action, resource) when { context.origin == "rule" && context.confidence < 500 };', e), false);
    assert.match(String(run('forbid (principal, action, resource) when { context.confidence < 500 && context.origin == "rule" };', e)), /error: .*`confidence`/);
    assert.match(String(run('forbid (principal, action, resource) when { !(context.regulated) };', e)), /error: .*`regulated`/);
  });

  it("treats an absent principal entity as Cedar does: `has` is false, reading an attribute errors", () => {
    const text = 'forbid (principal is Workflow, action, resource) when { principal has actions && !principal.actions.contains(action) };';
    assert.equal(run(text, env({})), false);
    const declared = { actions: [{ type: 'Action', id: 'open_case' }], roles: undefined };
    assert.equal(run(text, env({}, { principalAttrs: declared })), true);
    assert.match(String(run('permit (principal, action, resource) when { principal.roles.contains("ir") };', env({}))), /error: entity .* does not exist/);
  });

  it('declines (Unsupported) a type mismatch rather than guessing', () => {
    const policy = json('permit (principal, action, resource) when { context.confidence < 5 };');
    const program = compileProgram(policy);
    assert.ok(program);
    assert.throws(() => program(env({ confidence: 'high' })), (e) => e instanceof Unsupported);
  });
});
