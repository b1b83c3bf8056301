import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { openStore } from '../../src/store/index.ts';
import { isWritError } from '../../src/errors/index.ts';
import { ENGINES, createTestDatabase, tempDir, withStore } from '../support/engines.ts';

for (const engine of ENGINES) {
  test(`${engine}: migrations apply on open and are idempotent`, async () => {
    const database = await createTestDatabase(engine);
    try {
      const first = await database.open();
      const head = await first.db.selectFrom('ledger_head').selectAll().executeTakeFirstOrThrow();
      assert.equal(head.size, 0);
      await first.close();
      const second = await database.open();
      const heads = await second.db.selectFrom('ledger_head').selectAll().execute();
      assert.equal(heads.length, 1, 'reopening must not re-run migrations');
      await second.close();
    } finally {
      await database.drop();
    }
  });

  test(`${engine}: a failed transaction leaves nothing behind`, async () => {
    await withStore(engine, async (store) => {
      await assert.rejects(
        store.transaction(async (trx) => {
          await trx.insertInto('writ_meta').values({ key: 'half', value: 'written' }).execute();
          throw new Error('boom');
        }),
        /boom/,
      );
      const row = await store.db.selectFrom('writ_meta').selectAll().where('key', '=', 'half').executeTakeFirst();
      assert.equal(row, undefined);
    });
  });
}

test('sqlite: a file that is not a database is refused with WRIT_STORE_CORRUPT and left untouched', async () => {
  const dir = tempDir();
  try {
    const path = join(dir.path, 'writ.db');
    writeFileSync(path, 'this is not a database at all, just some text');
    await assert.rejects(openStore({ url: `sqlite:${path}` }), (e) => isWritError(e, 'WRIT_STORE_CORRUPT'));
  } finally {
    dir.remove();
  }
});

test('sqlite: a foreign SQLite database is refused, not written into', async () => {
  const dir = tempDir();
  try {
    const path = join(dir.path, 'other.db');
    const foreign = new SqliteDatabase(path);
    foreign.exec('create table customers (id integer primary key, name text)');
    foreign.close();
    await assert.rejects(openStore({ url: `sqlite:${path}` }), (e) => isWritError(e, 'WRIT_STORE_CORRUPT'));
    const check = new SqliteDatabase(path);
    const tables = check.prepare("select name from sqlite_master where type='table'").all() as { name: string }[];
    check.close();
    assert.deepEqual(tables.map((t) => t.name), ['customers']);
  } finally {
    dir.remove();
  }
});

test('an unknown database URL scheme is a configuration error', async () => {
  await assert.rejects(openStore({ url: 'mysql://root@localhost/x' }), (e) => isWritError(e, 'WRIT_CONFIG_INVALID'));
});
