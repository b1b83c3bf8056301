import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { sql } from 'kysely';
import {
  LedgerVerificationError,
  canonicalize,
  consistencyProof,
  exportLedger,
  inclusionProof,
  leafHash,
  verifyConsistency,
  verifyExportFile,
  verifyInclusion,
  verifyStore,
} from '../../src/ledger/index.ts';
import { signNote, checkpointBody } from '../../src/ledger/checkpoint.ts';
import { isWritError } from '../../src/errors/index.ts';
import { ENGINES, tempDir, withStore } from '../support/engines.ts';
import { makeLedger, TEST_ORIGIN } from '../support/ledger.ts';

const notes = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ kind: 'test.note', actor: 'tester', payload: { n: from + i } }));

for (const engine of ENGINES) {
  test(`${engine}: entries are canonical JSON with seq equal to the leaf index, and verify`, async () => {
    await withStore(engine, async (store) => {
      const { ledger, key } = makeLedger(store, { checkpointIntervalMs: 60_000 });
      const first = await ledger.appendNow([{ kind: 'case.opened', actor: 'workflow:phishing', subjects: { case: 'c1', campaign: 'k1' }, payload: { b: 1, a: [2, 'x'] } }]);
      assert.equal(first[0]!.seq, 0);
      await ledger.appendNow(notes(9));
      await ledger.checkpoint();
      const rows = await store.db.selectFrom('ledger_entries').selectAll().orderBy('seq').execute();
      assert.deepEqual(rows.map((r) => r.seq), [...Array(10).keys()]);
      for (const row of rows) {
        const parsed = JSON.parse(row.body) as { seq: number };
        assert.equal(parsed.seq, row.seq);
        assert.equal(canonicalize(parsed), row.body, 'stored body is canonical');
        assert.equal(leafHash(Buffer.from(row.body)).toString('hex'), row.leaf_hash);
      }
      assert.equal(rows[0]!.case_id, 'c1');
      assert.match(rows[0]!.body, /^\{"actor":"workflow:phishing","kind":"case.opened","payload":\{"a":\[2,"x"\],"b":1\},"seq":0,"subjects":\{"campaign":"k1","case":"c1"\},"time":"/);
      const report = await verifyStore(store, key);
      assert.equal(report.entries, 10);
      assert.equal(report.verifiedSize, 10);
    });
  });

  test(`${engine}: secrets never enter the ledger, only fingerprints`, async () => {
    await withStore(engine, async (store) => {
      const { ledger, fingerprinter } = makeLedger(store);
      const secret = 'hunter2-Sup3rSecret!';
      const token = 'ghp_' + 'a'.repeat(36);
      await ledger.appendNow([
        { kind: 'identity.rotated', actor: 'workflow:nhi', payload: { password: secret, nested: { api_key: token }, note: `leaked ${token} in repo` } },
      ]);
      const dump = (await store.db.selectFrom('ledger_entries').select('body').execute()).map((r) => r.body).join('\n');
      assert.ok(!dump.includes(secret), 'password value absent');
      assert.ok(!dump.includes(token), 'token value absent');
      assert.ok(dump.includes(fingerprinter.of(secret)), 'the password is recorded by its fingerprint');
    });
  });

  test(`${engine}: inclusion and consistency proofs verify against the signed checkpoint`, async () => {
    await withStore(engine, async (store) => {
      const { ledger } = makeLedger(store, { checkpointIntervalMs: 60_000 });
      await ledger.appendNow(notes(13));
      await ledger.checkpoint();
      await ledger.appendNow(notes(24, 13));
      await ledger.checkpoint();
      for (const [seq, size] of [[0, 13], [12, 13], [5, 37], [36, 37], [20, 30]] as const) {
        const proof = await inclusionProof(ledger, seq, size);
        assert.equal(proof.leaf_index, seq);
        assert.equal(proof.tree_size, size);
        assert.match(proof.checkpoint, new RegExp(`^${TEST_ORIGIN}\\n${size}\\n`));
        const leaf = Buffer.from(proof.leaf, 'base64');
        assert.equal((JSON.parse(leaf.toString()) as { seq: number }).seq, seq);
        assert.ok(verifyInclusion(leafHash(leaf), seq, size, proof.path.map((p) => Buffer.from(p, 'base64')), Buffer.from(proof.root, 'base64')));
      }
      const consistency = await consistencyProof(ledger, 13, 37);
      assert.ok(
        verifyConsistency(13, 37, Buffer.from(consistency.old_root, 'base64'), Buffer.from(consistency.new_root, 'base64'), consistency.path.map((p) => Buffer.from(p, 'base64'))),
      );
      await assert.rejects(inclusionProof(ledger, 37), (e) => isWritError(e, 'WRIT_LEDGER_RANGE'));
      await assert.rejects(inclusionProof(ledger, 3, 3), (e) => isWritError(e, 'WRIT_LEDGER_RANGE'));
      await assert.rejects(consistencyProof(ledger, 20, 10), (e) => isWritError(e, 'WRIT_LEDGER_RANGE'));
    });
  });

  test(`${engine}: verify names the first bad seq for a modified, missing or reordered entry`, async () => {
    const scenarios: Array<[string, (store: Parameters<Parameters<typeof withStore>[1]>[0]) => Promise<void>, number]> = [
      ['modified payload', async (s) => void (await sql`update ledger_entries set body = replace(body, '"n":4', '"n":99') where seq = 4`.execute(s.db)), 4],
      [
        'modified entry with its leaf hash recomputed',
        async (s) => {
          const row = await s.db.selectFrom('ledger_entries').select('body').where('seq', '=', 6).executeTakeFirstOrThrow();
          const body = row.body.replace('"n":6', '"n":66');
          await s.db.updateTable('ledger_entries').set({ body, leaf_hash: leafHash(Buffer.from(body)).toString('hex') }).where('seq', '=', 6).execute();
        },
        5,
      ],
      ['missing entry', async (s) => void (await s.db.deleteFrom('ledger_entries').where('seq', '=', 3).execute()), 3],
      [
        'reordered entries',
        async (s) => {
          await s.db.updateTable('ledger_entries').set({ seq: 1000 }).where('seq', '=', 2).execute();
          await s.db.updateTable('ledger_entries').set({ seq: 2 }).where('seq', '=', 7).execute();
          await s.db.updateTable('ledger_entries').set({ seq: 7 }).where('seq', '=', 1000).execute();
        },
        2,
      ],
    ];
    for (const [name, tamper, expected] of scenarios) {
      await withStore(engine, async (store) => {
        const { ledger, key } = makeLedger(store, { checkpointIntervalMs: 60_000 });
        await ledger.appendNow(notes(5));
        await ledger.checkpoint();
        await ledger.appendNow(notes(5, 5));
        await ledger.checkpoint();
        await tamper(store);
        await assert.rejects(verifyStore(store, key), (e) => {
          assert.ok(e instanceof LedgerVerificationError, `${name}: ${String(e)}`);
          assert.equal(e.firstBadSeq, expected, `${name}: ${e.message}`);
          return true;
        });
      });
    }
  });

  test(`${engine}: a forged checkpoint is named`, async () => {
    await withStore(engine, async (store) => {
      const { ledger, key } = makeLedger(store, { checkpointIntervalMs: 60_000 });
      await ledger.appendNow(notes(4));
      const root = (await ledger.head()).root;
      const other = generateKeyPairSync('ed25519');
      const forged = signNote(checkpointBody(TEST_ORIGIN, 4, root), { name: TEST_ORIGIN, privateKey: other.privateKey });
      await ledger.checkpoint();
      await store.db.updateTable('ledger_checkpoints').set({ note: forged }).where('tree_size', '=', 4).execute();
      await assert.rejects(verifyStore(store, key), (e) => e instanceof LedgerVerificationError && /forged/.test(e.message));
    });
  });

  test(`${engine}: export verifies offline; tampering and truncation are caught`, async () => {
    await withStore(engine, async (store) => {
      const dir = tempDir();
      try {
        const { ledger, key } = makeLedger(store, { checkpointIntervalMs: 0 });
        for (let i = 0; i < 6; i++) await ledger.appendNow(notes(3, i * 3));
        const path = join(dir.path, 'ledger.jsonl');
        const result = await exportLedger(store, ledger, path);
        assert.equal(result.entries, 18);
        const report = await verifyExportFile(path, key);
        assert.equal(report.entries, 18);
        const lines = readFileSync(path, 'utf8').split('\n');
        for (const line of lines.filter((l) => l && !l.startsWith('{"checkpoint"'))) {
          const entry = JSON.parse(line) as { seq: number };
          const stored = await store.db.selectFrom('ledger_entries').select('leaf_hash').where('seq', '=', entry.seq).executeTakeFirstOrThrow();
          assert.equal(leafHash(Buffer.from(line)).toString('hex'), stored.leaf_hash, 'an export line is exactly the hashed bytes');
        }
        const tampered = lines.map((l) => (l.includes('"seq":10,') ? l.replace('"n":10', '"n":11') : l)).join('\n');
        writeFileSync(path + '.bad', tampered);
        await assert.rejects(verifyExportFile(path + '.bad', key), (e) => e instanceof LedgerVerificationError && e.firstBadSeq === 9);
        const text = readFileSync(path, 'utf8');
        writeFileSync(path + '.cut', text.slice(0, text.length - 40));
        await assert.rejects(verifyExportFile(path + '.cut', key), (e) => isWritError(e, 'WRIT_EXPORT_INVALID') && /truncated/.test(e.message));
      } finally {
        dir.remove();
      }
    });
  });
}
