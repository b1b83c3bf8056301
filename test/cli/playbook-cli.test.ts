/**
 * `writ playbook check` and `writ playbook export-cacao`, run as a user runs them: each
 * command in its own process through bin/writ.js.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toCacao, validateCacao } from '../../src/playbooks/cacao.ts';
import { DEFAULT_PLAYBOOK_DIR, loadPlaybookDir } from '../../src/playbooks/playbook.ts';
import { runWrit } from '../support/cli.ts';
import { tempDir } from '../support/engines.ts';

const SHIPPED = readFileSync(join(DEFAULT_PLAYBOOK_DIR, 'phishing.yaml'), 'utf8');
const STAMP = '2025-06-01T12:00:00.000Z';

test('playbook check: the shipped playbooks are valid', () => {
  const result = runWrit(['playbook', 'check']);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^ok: phishing\.yaml: phishing-response v1, 4 rule\(s\), sha256:[0-9a-f]{12}$/m);
  assert.equal(result.stderr, '');
});

test('playbook check DIR: every problem, one line each, naming the file; exit 1', () => {
  const dir = tempDir('writ-playbooks-');
  try {
    writeFileSync(join(dir.path, 'a-good.yaml'), SHIPPED);
    writeFileSync(join(dir.path, 'b-not-yaml.yaml'), 'id: [unclosed\n');
    writeFileSync(join(dir.path, 'c-unknown-action.yaml'), SHIPPED.replace('id: phishing-response', 'id: other').replace('actions: [purge_campaign,', 'actions: [launch_missiles, purge_campaign,'));
    writeFileSync(join(dir.path, 'd-undeclared.yml'), SHIPPED.replace('id: phishing-response', 'id: third').replace('actions: [purge_campaign, quarantine_message, notify_reporter, open_case, route_case]', 'actions: [quarantine_message, notify_reporter, open_case, route_case]'));
    writeFileSync(join(dir.path, 'e-duplicate.yaml'), SHIPPED);
    writeFileSync(join(dir.path, 'notes.txt'), 'not a playbook');
    const result = runWrit(['playbook', 'check', dir.path]);
    assert.equal(result.status, 1);
    assert.match(result.stdout, /^ok: a-good\.yaml: phishing-response v1/m);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 4, result.stderr);
    assert.match(lines[0]!, /^WRIT_INPUT_INVALID: b-not-yaml\.yaml: not valid YAML/);
    assert.match(lines[1]!, /^WRIT_INPUT_INVALID: c-unknown-action\.yaml: actions: "launch_missiles" is not in the action catalogue/);
    assert.match(lines[2]!, /^WRIT_INPUT_INVALID: d-undeclared\.yml: rules\.0\.steps: purge_campaign is not declared in actions/);
    assert.match(lines[3]!, /^WRIT_INPUT_INVALID: e-duplicate\.yaml: id "phishing-response" is already used by a-good\.yaml/);
  } finally {
    dir.remove();
  }
});

test('playbook check: a missing or empty directory is an input error', () => {
  const dir = tempDir('writ-playbooks-');
  try {
    const empty = runWrit(['playbook', 'check', dir.path]);
    assert.equal(empty.status, 1);
    assert.match(empty.stderr, /^WRIT_INPUT_INVALID: no playbooks in .* \(expected \*\.yaml files\)$/m);
    const missing = runWrit(['playbook', 'check', join(dir.path, 'nope')]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /^WRIT_INPUT_INVALID: playbook directory not found/m);
  } finally {
    dir.remove();
  }
});

test('playbook export-cacao --out: a valid CACAO 2.0 document, the same as the library makes, byte-identical on a second run', () => {
  const dir = tempDir('writ-cacao-');
  try {
    const out = join(dir.path, 'phishing.cacao.json');
    const first = runWrit(['playbook', 'export-cacao', 'phishing-response', '--out', out, '--timestamp', STAMP]);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /^wrote .*phishing\.cacao\.json: playbook--[0-9a-f-]{36} \(phishing-response v1, 20 steps\)$/m);
    const text = readFileSync(out, 'utf8');
    const doc = JSON.parse(text) as unknown;
    assert.deepEqual(validateCacao(doc), { valid: true, errors: [] });
    const expected = toCacao(loadPlaybookDir().find((p) => p.definition.id === 'phishing-response')!, { now: new Date(STAMP) });
    assert.deepEqual(doc, expected);
    assert.equal(text, `${JSON.stringify(expected, null, 2)}\n`);

    assert.equal(runWrit(['playbook', 'export-cacao', '--out', out, '--timestamp', STAMP]).status, 0, 'the only shipped playbook needs no id');
    assert.equal(readFileSync(out, 'utf8'), text, 'byte-identical');
    assert.deepEqual(readdirSync(dir.path), ['phishing.cacao.json'], 'no temporary file left behind');
  } finally {
    dir.remove();
  }
});

test('playbook export-cacao: standard output, --created-by, and the ways to get it wrong', () => {
  const dir = tempDir('writ-playbooks-');
  try {
    copyFileSync(join(DEFAULT_PLAYBOOK_DIR, 'phishing.yaml'), join(dir.path, 'phishing.yaml'));
    writeFileSync(join(dir.path, 'other.yaml'), SHIPPED.replace('id: phishing-response', 'id: other-response').replace('name: Reported phishing', 'name: Other'));

    const chosen = runWrit(['playbook', 'export-cacao', 'other-response', '--dir', dir.path, '--timestamp', STAMP, '--created-by', 'identity--7f497236-2aa5-431b-b704-d7b26b319163']);
    assert.equal(chosen.status, 0, chosen.stderr);
    const doc = JSON.parse(chosen.stdout) as { name: string; created_by: string; created: string };
    assert.equal(doc.name, 'Other');
    assert.equal(doc.created_by, 'identity--7f497236-2aa5-431b-b704-d7b26b319163');
    assert.equal(doc.created, STAMP);

    const ambiguous = runWrit(['playbook', 'export-cacao', '--dir', dir.path]);
    assert.equal(ambiguous.status, 1);
    assert.match(ambiguous.stderr, /^WRIT_INPUT_INVALID: .* holds several playbooks \(other-response, phishing-response\); name one$/m);
    assert.equal(ambiguous.stdout, '');

    const unknown = runWrit(['playbook', 'export-cacao', 'nope', '--dir', dir.path]);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /^WRIT_NOT_FOUND: no playbook "nope" in .* \(found: other-response, phishing-response\)$/m);

    const badTime = runWrit(['playbook', 'export-cacao', 'other-response', '--dir', dir.path, '--timestamp', 'yesterday']);
    assert.equal(badTime.status, 1);
    assert.match(badTime.stderr, /^WRIT_INPUT_INVALID: --timestamp must be an ISO 8601 date-time/m);

    const out = join(dir.path, 'missing-folder', 'x.json');
    const unwritable = runWrit(['playbook', 'export-cacao', 'other-response', '--dir', dir.path, '--out', out]);
    assert.equal(unwritable.status, 1);
    assert.match(unwritable.stderr, /^WRIT_INPUT_INVALID: cannot write .*x\.json: ENOENT$/m);
    assert.equal(existsSync(out), false);
  } finally {
    dir.remove();
  }
});
