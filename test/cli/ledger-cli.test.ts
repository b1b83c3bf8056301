import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../support/engines.ts';
import { runWrit } from '../support/cli.ts';

test('writ ledger: note, verify, pubkey, export, offline verify, proofs, and bad input', () => {
  const dir = tempDir();
  try {
    const env = { WRIT_DATA_DIR: join(dir.path, 'data') };
    for (let i = 0; i < 3; i++) {
      const note = runWrit(['ledger', 'note', '--text', `mailbox purged by hand ${i}`, '--case', 'case-1'], env);
      assert.equal(note.status, 0, note.stderr);
      // seq 0 is the shipped playbook's deployment, recorded when Writ first opens the data directory.
      assert.match(note.stdout, new RegExp(`recorded as seq ${i + 1}`));
    }
    const verify = runWrit(['ledger', 'verify'], env);
    assert.equal(verify.status, 0, verify.stderr);
    assert.match(verify.stdout, /^ok: 4 entries, root [A-Za-z0-9+/=]{44}/);

    const pubkey = runWrit(['ledger', 'pubkey'], env);
    assert.equal(pubkey.status, 0);
    const key = pubkey.stdout.trim();
    assert.match(key, /^writ\.local\/ledger\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);

    const out = join(dir.path, 'export.jsonl');
    const exported = runWrit(['ledger', 'export', '--out', out], env);
    assert.equal(exported.status, 0, exported.stderr);
    const offline = runWrit(['ledger', 'verify', '--export', out, '--key', key, '--json'], { WRIT_DATA_DIR: join(dir.path, 'nowhere') });
    assert.equal(offline.status, 0, offline.stderr);
    assert.equal((JSON.parse(offline.stdout) as { entries: number }).entries, 4);
    assert.ok(!existsSync(join(dir.path, 'nowhere')), 'offline verification touches no data directory');

    const proof = runWrit(['ledger', 'proof', '--seq', '1'], env);
    assert.equal(proof.status, 0, proof.stderr);
    const doc = JSON.parse(proof.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(doc).sort(), ['checkpoint', 'leaf', 'leaf_index', 'path', 'root', 'tree_size']);
    assert.equal(doc.leaf_index, 1);
    const consistency = runWrit(['ledger', 'proof', '--consistency', '1', '3'], env);
    assert.equal(consistency.status, 0, consistency.stderr);
    assert.deepEqual(Object.keys(JSON.parse(consistency.stdout) as object).sort(), ['new_root', 'new_size', 'old_root', 'old_size', 'path']);

    const beyond = runWrit(['ledger', 'proof', '--seq', '99'], env);
    assert.notEqual(beyond.status, 0);
    assert.match(beyond.stderr, /^WRIT_LEDGER_RANGE: --seq 99 is beyond the ledger/);
    assert.equal(beyond.stderr.trim().split('\n').length, 1, 'one line');

    const cut = join(dir.path, 'cut.jsonl');
    const text = readFileSync(out, 'utf8');
    writeFileSync(cut, text.slice(0, -30));
    const truncated = runWrit(['ledger', 'verify', '--export', cut, '--key', key], env);
    assert.equal(truncated.status, 1);
    assert.match(truncated.stderr, /^WRIT_EXPORT_INVALID: the export is truncated/);

    const lines = text.split('\n');
    const bad = join(dir.path, 'bad.jsonl');
    writeFileSync(bad, lines.map((l) => l.replace('by hand 1', 'by hand X')).join('\n'));
    const tampered = runWrit(['ledger', 'verify', '--export', bad, '--key', key], env);
    assert.equal(tampered.status, 1);
    assert.match(tampered.stderr, /^WRIT_LEDGER_INVALID: first bad seq 2/);
  } finally {
    dir.remove();
  }
});

test('writ: a corrupt database or an unreadable key is one line, exit non-zero, nothing written', () => {
  const dir = tempDir();
  try {
    const data = join(dir.path, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'writ.db'), 'definitely not sqlite'.repeat(10));
    const corrupt = runWrit(['ledger', 'note', '--text', 'x'], { WRIT_DATA_DIR: data });
    assert.equal(corrupt.status, 1);
    assert.match(corrupt.stderr, /^WRIT_STORE_CORRUPT: /);
    assert.equal(corrupt.stderr.trim().split('\n').length, 1);
    assert.deepEqual(readdirSync(data), ['writ.db'], 'no key or journal files created');

    const data2 = join(dir.path, 'data2');
    mkdirSync(data2);
    writeFileSync(join(data2, 'ledger-key.pem'), 'garbage');
    const badKey = runWrit(['ledger', 'verify'], { WRIT_DATA_DIR: data2 });
    assert.equal(badKey.status, 1);
    assert.match(badKey.stderr, /^WRIT_KEY_UNREADABLE: /);
    assert.deepEqual(readdirSync(data2), ['ledger-key.pem'], 'no database created');

    const badConfig = runWrit(['ledger', 'verify'], { WRIT_DATA_DIR: data2, WRIT_HTTP_PORT: 'eighty' });
    assert.equal(badConfig.status, 1);
    assert.match(badConfig.stderr, /^WRIT_CONFIG_INVALID: WRIT_HTTP_PORT/);
  } finally {
    dir.remove();
  }
});
