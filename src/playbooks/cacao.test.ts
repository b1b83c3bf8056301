import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateParams } from '../actions/index.ts';
import { toCacao, uuidV4From, uuidV5, validateCacao, WRIT_CACAO_NAMESPACE, type CacaoPlaybook, type CacaoStep } from './cacao.ts';
import { DEFAULT_PLAYBOOK_DIR, loadPlaybookDir, parsePlaybook, type Playbook } from './playbook.ts';

const NOW = new Date('2025-03-01T09:30:00.123Z');
const phishing = (): Playbook => {
  const found = loadPlaybookDir().find((p) => p.definition.id === 'phishing-response');
  assert.ok(found, 'the shipped phishing playbook');
  return found;
};

const SECOND = `
id: escalate-sure-phish
version: 3
name: Escalate sure phish
principal: escalator
owner: user:alice
actions: [purge_campaign, notify_reporter, route_case]
severity:
  critical_when: { reporters_at_least: 5 }
  high_when: { confidence_at_least: 0.8 }
rules:
  - name: very sure
    when: { verdict: malicious, confidence_at_least: 0.95 }
    steps:
      - purge_campaign: { mode: delete }
      - notify_reporter: { template: malicious }
  - name: anything else
    when: { verdict: uncertain }
    steps:
      - notify_reporter: { template: received }
`;

interface Facts {
  verdict: string;
  simulation?: boolean;
  confidence?: number;
}

/** Evaluates the exporter's conditions (`__x__:value = 'v'`, `>= n`, joined by AND). */
function holds(condition: string, facts: Facts): boolean {
  return condition.split(' AND ').every((part) => {
    const eq = /^__(\w+)__:value = '(.*)'$/.exec(part);
    if (eq) return String((facts as unknown as Record<string, unknown>)[eq[1]!]) === eq[2];
    const ge = /^__(\w+)__:value >= ([\d.]+)$/.exec(part);
    if (ge) return Number((facts as unknown as Record<string, unknown>)[ge[1]!] ?? Number.NaN) >= Number(ge[2]);
    throw new Error(`unexpected condition ${part}`);
  });
}

/** Runs the workflow the way a CACAO engine would, collecting the action steps taken. */
function walk(doc: CacaoPlaybook, facts: Facts): CacaoStep[] {
  const taken: CacaoStep[] = [];
  const run = (id: string | undefined, guard = 0): void => {
    assert.ok(guard < 100, 'the walk ends');
    if (id === undefined) return;
    const step = doc.workflow[id];
    assert.ok(step, `step ${id} exists`);
    if (step.type === 'end') return;
    if (step.type === 'if-condition') {
      run(holds(step.condition!, facts) ? step.on_true : step.on_false, guard + 1);
      return run(step.on_completion, guard + 1);
    }
    if (step.type === 'action') taken.push(step);
    run(step.on_completion, guard + 1);
  };
  run(doc.workflow_start);
  return taken;
}

/** The proposal body of an action step, with sample values for the runtime variables. */
function proposal(step: CacaoStep): { type: string; target: { type: string; id: string }; params: Record<string, unknown>; caseId?: string; origin: string } {
  const command = step.commands?.[0];
  assert.equal(command?.type, 'http-api');
  assert.equal(command?.command, 'POST /api/v1/actions HTTP/1.1');
  const samples: Record<string, string> = {
    __confidence__: '0.97',
    __mailboxes__: '["ann@example.test","bob@example.test"]',
    __reporters__: '["ann@example.test"]',
    __severity__: 'high',
    __case_id__: 'case-1',
    __campaign_id__: 'camp-1',
    __report_id__: 'rep-1',
    __subject__: 'Invoice 42',
  };
  const text = command!.content!.replace(/(__[a-z_]+__):value/g, (_m, name: string) => samples[name] ?? assert.fail(`no sample for ${name}`));
  return JSON.parse(text) as ReturnType<typeof proposal>;
}

test('the shipped phishing playbook exports as a valid CACAO 2.0 playbook', () => {
  const doc = toCacao(phishing(), { now: NOW });
  assert.deepEqual(validateCacao(doc), { valid: true, errors: [] });
  assert.equal(doc.type, 'playbook');
  assert.equal(doc.spec_version, 'cacao-2.0');
  assert.match(doc.id, /^playbook--[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(doc.name, 'Reported phishing');
  assert.equal(doc.created, '2025-03-01T09:30:00.123Z');
  assert.equal(doc.modified, doc.created);
  assert.equal(doc.created_by, `identity--${uuidV5(WRIT_CACAO_NAMESPACE, 'writ-identity:user:secops-lead')}`, 'created by the owner, by default');
  assert.deepEqual(doc.playbook_types, ['investigation', 'notification', 'remediation']);
  assert.deepEqual(doc.playbook_activities, ['analyze-collected-data', 'deliver-content', 'eliminate-risk']);
  assert.ok(doc.labels.includes(`writ-digest:sha256:${phishing().digest}`));
  assert.match(doc.description, /passes Writ's policy engine/);
  assert.equal(doc.workflow[doc.workflow_start]?.type, 'start');
  const types = Object.values(doc.workflow).map((s) => s.type);
  assert.equal(types.filter((t) => t === 'if-condition').length, 4, 'one if-condition per rule');
  assert.equal(types.filter((t) => t === 'start').length, 1);
});

test('rules become an else-if chain on the verdict variables: each verdict takes the steps the runner would', () => {
  const doc = toCacao(phishing(), { now: NOW });
  const run = (facts: Facts) => walk(doc, facts).map((s) => {
    const body = proposal(s);
    return `${body.type}${body.params.template ? `:${String(body.params.template)}` : ''}${body.params.mode ? `:${String(body.params.mode)}` : ''}`;
  });
  assert.deepEqual(run({ verdict: 'malicious', simulation: false }), ['open_case', 'purge_campaign:quarantine', 'notify_reporter:malicious']);
  assert.deepEqual(run({ verdict: 'safe', simulation: true }), ['notify_reporter:simulation'], 'the first rule that holds wins');
  assert.deepEqual(run({ verdict: 'safe', simulation: false }), ['notify_reporter:safe']);
  assert.deepEqual(run({ verdict: 'uncertain', simulation: false }), ['open_case', 'notify_reporter:uncertain']);
  assert.deepEqual(run({ verdict: 'other' }), [], 'no rule, no proposal');

  const ifs = Object.values(doc.workflow).filter((s) => s.type === 'if-condition');
  assert.deepEqual(ifs.map((s) => s.condition), ["__verdict__:value = 'malicious'", "__verdict__:value = 'safe' AND __simulation__:value = 'true'", "__verdict__:value = 'safe'", "__verdict__:value = 'uncertain'"]);
  assert.deepEqual(Object.keys(doc.playbook_variables).slice(0, 3), ['__verdict__', '__simulation__', '__confidence__']);
});

test('each action step proposes a declared catalogue action, with parameters the catalogue accepts, as the workflow principal', () => {
  const playbook = phishing();
  const doc = toCacao(playbook, { now: NOW });
  const [agentId, agent] = Object.entries(doc.agent_definitions)[0]!;
  assert.equal(Object.keys(doc.agent_definitions).length, 1);
  assert.deepEqual({ type: agent.type, name: agent.name, category: agent.category }, { type: 'security-category', name: 'writ:workflow:phishing-response', category: ['orchestrator'] });
  const actions = Object.values(doc.workflow).filter((s) => s.type === 'action');
  assert.equal(actions.length, 7);
  for (const step of actions) {
    const body = proposal(step);
    assert.ok(playbook.definition.actions.includes(body.type), `${body.type} is declared`);
    assert.doesNotThrow(() => validateParams(body.type, body.params), `${body.type} params`);
    assert.equal(body.origin, 'rule');
    assert.equal(step.agent, agentId);
    assert.equal(step.owner, doc.created_by);
    assert.match(step.description ?? '', /policy in force decides it/);
    assert.ok(step.targets?.every((t) => t in doc.target_definitions));
    for (const arg of step.in_args ?? []) assert.ok(arg in doc.playbook_variables, `${arg} declared`);
  }
  const purge = proposal(actions.find((s) => proposal(s).type === 'purge_campaign')!);
  assert.deepEqual(purge, {
    caseId: 'case-1',
    context: { confidence: 0.97, severity: 'high' },
    origin: 'rule',
    params: { campaignId: 'camp-1', mailboxes: ['ann@example.test', 'bob@example.test'], mode: 'quarantine' },
    target: { id: 'camp-1', type: 'campaign' },
    type: 'purge_campaign',
  });
  const open = actions.find((s) => proposal(s).type === 'open_case')!;
  assert.deepEqual(proposal(open).params, { caseType: 'phishing', severity: 'high', title: 'Phishing campaign: Invoice 42' });
  assert.deepEqual(open.out_args, ['__case_id__']);
  assert.equal(open.step_variables?.__queue__?.value, 'email-security');
  assert.match(doc.playbook_variables.__severity__?.description ?? '', /critical when confidence >= 0\.9 and mailboxes >= 50/);
});

test('another playbook: confidence thresholds become conditions, and a step without a case targets the report', () => {
  const playbook = parsePlaybook(SECOND, 'second.yaml');
  const doc = toCacao(playbook, { now: NOW });
  assert.deepEqual(validateCacao(doc), { valid: true, errors: [] });
  assert.deepEqual(walk(doc, { verdict: 'malicious', confidence: 0.99 }).map((s) => proposal(s).type), ['purge_campaign', 'notify_reporter']);
  assert.deepEqual(walk(doc, { verdict: 'malicious', confidence: 0.9 }), [], 'below the threshold nothing runs');
  const [notify] = walk(doc, { verdict: 'uncertain' });
  assert.deepEqual(proposal(notify!).target, { type: 'message', id: 'rep-1' });
  assert.equal(proposal(notify!).caseId, undefined);
  assert.doesNotThrow(() => validateParams('purge_campaign', proposal(walk(doc, { verdict: 'malicious', confidence: 0.99 })[0]!).params));
  assert.ok(!('__case_id__' in doc.playbook_variables), 'only the variables the playbook uses');
});

test('ids are deterministic: the same playbook exports identically; a new version keeps the playbook id and changes the steps', () => {
  const a = JSON.stringify(toCacao(phishing(), { now: NOW }));
  assert.equal(JSON.stringify(toCacao(phishing(), { now: NOW })), a);
  const later = toCacao(phishing(), { now: new Date('2026-01-01T00:00:00.000Z') });
  assert.equal(JSON.stringify({ ...later, created: NOW.toISOString(), modified: NOW.toISOString() }), a, 'only the timestamps follow the clock');

  const shipped = readFileSync(join(DEFAULT_PLAYBOOK_DIR, 'phishing.yaml'), 'utf8');
  assert.match(shipped, /^version: 1$/m);
  const bumped = parsePlaybook(shipped.replace(/^version: 1$/m, 'version: 2'), 'phishing.yaml');
  const v1 = toCacao(phishing(), { now: NOW });
  const v2 = toCacao(bumped, { now: NOW });
  assert.equal(v2.id, v1.id, 'CACAO versions of one playbook share its id');
  assert.notEqual(v2.workflow_start, v1.workflow_start);
  assert.notEqual(toCacao(parsePlaybook(SECOND), { now: NOW }).id, v1.id);

  const all = [v1.id, ...Object.keys(v1.workflow), ...Object.keys(v1.agent_definitions), ...Object.keys(v1.target_definitions)].map((k) => k.slice(k.lastIndexOf('--') + 2));
  assert.equal(new Set(all).size, all.length, 'no UUID is reused');
  for (const key of Object.keys(v1.workflow)) assert.match(key, /--[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'steps use the version-4 layout, as the spec requires');
});

test('createdBy: an identity id is kept, a name is derived into one', () => {
  assert.equal(toCacao(phishing(), { now: NOW, createdBy: 'identity--0ebcd94b-155e-4259-b777-5b482d4cda22' }).created_by, 'identity--0ebcd94b-155e-4259-b777-5b482d4cda22');
  const named = toCacao(phishing(), { now: NOW, createdBy: 'Acme SOC' }).created_by;
  assert.equal(named, `identity--${uuidV5(WRIT_CACAO_NAMESPACE, 'writ-identity:Acme SOC')}`);
  assert.notEqual(named, toCacao(phishing(), { now: NOW }).created_by);
});

test('UUIDs: version 5 matches RFC 4122 test vectors, version-4 layout from a seed is stable', () => {
  assert.equal(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'python.org'), '886313e1-3b8a-5372-9b90-0c9aee199e5d');
  assert.equal(uuidV5('aa7caf3a-d55a-4e9a-b34e-056215fba56a', 'writ'), '0ebcd94b-155e-5259-b777-5b482d4cda22');
  assert.equal(uuidV4From('x'), uuidV4From('x'));
  assert.notEqual(uuidV4From('x'), uuidV4From('y'));
  assert.match(uuidV4From('x'), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.throws(() => uuidV5('nope', 'x'), /not a UUID/);
});

// ---- the validator -------------------------------------------------------------------

const clone = (): CacaoPlaybook => structuredClone(toCacao(phishing(), { now: NOW }));
const stepOf = (doc: CacaoPlaybook, type: CacaoStep['type'], nth = 0): [string, CacaoStep] => Object.entries(doc.workflow).filter(([, s]) => s.type === type)[nth]!;
function errorsOf(mutate: (doc: CacaoPlaybook & Record<string, unknown>) => void): string[] {
  const doc = clone() as CacaoPlaybook & Record<string, unknown>;
  mutate(doc);
  const result = validateCacao(doc);
  assert.equal(result.valid, false, 'the mutation is caught');
  return result.errors;
}
const some = (errors: string[], pattern: RegExp) => assert.ok(errors.some((e) => pattern.test(e)), `${pattern} in:\n${errors.join('\n')}`);

test('validator: required properties and their shapes', () => {
  for (const key of ['type', 'spec_version', 'id', 'name', 'created_by', 'created', 'modified', 'workflow_start', 'workflow']) {
    some(errorsOf((d) => delete d[key]), new RegExp(`^${key}: required`));
  }
  some(errorsOf((d) => (d.spec_version = 'cacao-1.0' as 'cacao-2.0')), /spec_version: must be "cacao-2.0"/);
  some(errorsOf((d) => (d.id = 'playbook--not-a-uuid')), /id: must be playbook--<uuid>/);
  some(errorsOf((d) => (d.id = d.id.replace('playbook--', 'action--'))), /id: must be playbook--/);
  some(errorsOf((d) => (d.created_by = 'user:secops-lead')), /created_by: must be identity--<uuid>/);
  some(errorsOf((d) => (d.created = '2025-03-01T09:30:00Z')), /created: must be a UTC timestamp with milliseconds/);
  some(errorsOf((d) => (d.modified = '2025-02-01T09:30:00.000Z')), /modified: earlier than created/);
  some(errorsOf((d) => (d.playbook_activities = [])), /playbook_activities: required/);
  some(errorsOf((d) => (d.name = ' ')), /name: must be a non-empty string/);
  assert.deepEqual(validateCacao([]), { valid: false, errors: ['the document is not a JSON object'] });
  assert.equal(validateCacao(null).valid, false);
});

test('validator: every on_completion / on_true / on_false points to an existing step', () => {
  const ghost = 'action--00000000-0000-4000-8000-000000000000';
  some(errorsOf((d) => (stepOf(d, 'if-condition')[1].on_true = ghost)), new RegExp(`\\.on_true: refers to "${ghost}", which is not a step`));
  some(errorsOf((d) => (stepOf(d, 'if-condition', 1)[1].on_false = ghost)), /\.on_false: refers to/);
  some(errorsOf((d) => (stepOf(d, 'action', 2)[1].on_completion = ghost)), /\.on_completion: refers to/);
  some(errorsOf((d) => (d.workflow_start = ghost)), /workflow_start: must name a step/);
  some(errorsOf((d) => (d.workflow_start = stepOf(d, 'end')[0])), /workflow_start: must name the start step/);
});

test('validator: one start, everything reachable, no loops, every path ends', () => {
  some(errorsOf((d) => (d.workflow['start--00000000-0000-4000-8000-000000000001'] = { type: 'start', on_completion: stepOf(d, 'end')[0] })), /exactly one start step, found 2/);
  some(errorsOf((d) => (d.workflow['end--00000000-0000-4000-8000-000000000002'] = { type: 'end' })), /end--00000000-0000-4000-8000-000000000002: not reachable from workflow_start/);
  some(errorsOf((d) => {
    const [ifId] = stepOf(d, 'if-condition', 1); // rule 2's only step goes back to rule 2's condition
    stepOf(d, 'action', 3)[1].on_completion = ifId;
  }), /loops back to if-condition--/);
  some(errorsOf((d) => delete stepOf(d, 'action', 0)[1].on_completion), /a dead end/);
  some(errorsOf((d) => {
    for (const [key, step] of Object.entries(d.workflow)) if (step.type === 'end') delete d.workflow[key];
  }), /no end step is reachable/);
  some(errorsOf((d) => (stepOf(d, 'end')[1].on_completion = stepOf(d, 'start')[0])), /an end step goes nowhere/);
});

test('validator: step shapes, agents, targets, variables, ids', () => {
  some(errorsOf((d) => (stepOf(d, 'action')[1].agent = 'individual--00000000-0000-4000-8000-000000000003')), /\.agent: must name one of agent_definitions/);
  some(errorsOf((d) => (stepOf(d, 'action')[1].targets = ['group--00000000-0000-4000-8000-000000000004'])), /\.targets: each must name one of target_definitions/);
  some(errorsOf((d) => (stepOf(d, 'action')[1].commands = [])), /\.commands: at least one command/);
  some(errorsOf((d) => (stepOf(d, 'action')[1].in_args = ['__nobody__'])), /in_args: __nobody__ is not a declared variable/);
  some(errorsOf((d) => delete stepOf(d, 'if-condition')[1].condition), /a condition step needs condition and on_true/);
  some(errorsOf((d) => Object.assign(stepOf(d, 'action')[1], { on_success: stepOf(d, 'end')[0] })), /on_completion excludes on_success/);
  some(errorsOf((d) => {
    const [key, step] = stepOf(d, 'end');
    delete d.workflow[key];
    d.workflow[key.replace('end--', 'action--')] = step;
  }), /the id names action but the step is end/);
  some(errorsOf((d) => {
    const [key] = stepOf(d, 'end', 1);
    const [start] = stepOf(d, 'start');
    d.workflow[key.replace(/--.*$/, start.slice(start.indexOf('--')))] = { type: 'end' };
  }), /reuses the UUID of/);
  some(errorsOf((d) => (d.workflow[Object.keys(d.workflow)[1]!] = { type: 'teleport' } as unknown as CacaoStep)), /not a workflow step/);
});

test('validator: a minimal hand-written playbook passes', () => {
  const doc = {
    type: 'playbook',
    spec_version: 'cacao-2.0',
    id: 'playbook--a92fc24f-4adb-4ac2-8846-31968c23699a',
    name: 'minimal',
    created_by: 'identity--7f497236-2aa5-431b-b704-d7b26b319163',
    created: '2024-11-08T09:44:35.226Z',
    modified: '2024-11-08T09:44:53.904Z',
    workflow_start: 'start--025c407e-422e-4deb-8863-b3d4a8890f60',
    workflow: {
      'start--025c407e-422e-4deb-8863-b3d4a8890f60': { type: 'start', on_completion: 'action--623a0a80-a4ac-4989-b1da-5e3660b2e4f1' },
      'action--623a0a80-a4ac-4989-b1da-5e3660b2e4f1': { type: 'action', commands: [{ type: 'manual', command: 'look' }], agent: 'individual--4801fe91-cd09-4da3-a67d-3d69cd9fec7c', on_completion: 'end--48d7d487-3c8a-4651-bbc2-40c519e2b9f7' },
      'end--48d7d487-3c8a-4651-bbc2-40c519e2b9f7': { type: 'end' },
    },
    agent_definitions: { 'individual--4801fe91-cd09-4da3-a67d-3d69cd9fec7c': { type: 'individual', name: 'analyst' } },
  };
  assert.deepEqual(validateCacao(doc), { valid: true, errors: [] });
});
