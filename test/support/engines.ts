import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStore, type Engine, type Store } from '../../src/store/index.ts';

/** PostgreSQL on this machine and CI's: 127.0.0.1:5432, user postgres, trust auth. */
export const PG_ADMIN_URL = process.env.WRIT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const ENGINES: readonly Engine[] = ['sqlite', 'postgres'];

export interface TestDatabase {
  engine: Engine;
  url: string;
  /** Opens (and migrates) a store on this database; the caller closes it. */
  open(): Promise<Store>;
  drop(): Promise<void>;
}

/** A fresh, empty database of the given engine, owned by one test and dropped after it. */
export async function createTestDatabase(engine: Engine): Promise<TestDatabase> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'writ-test-'));
    const url = `sqlite:${join(dir, 'writ.db')}`;
    return { engine, url, open: () => openStore({ url }), drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `writ_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create database ${name}`);
  const url = PG_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  return {
    engine,
    url,
    open: () => openStore({ url }),
    drop: () => adminQuery(`drop database if exists ${name} with (force)`),
  };
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** Runs `body` with an open store on a fresh database, then closes and drops it. */
export async function withStore<T>(engine: Engine, body: (store: Store, database: TestDatabase) => Promise<T>): Promise<T> {
  const database = await createTestDatabase(engine);
  const store = await database.open();
  try {
    return await body(store, database);
  } finally {
    await store.close();
    await database.drop();
  }
}

export function tempDir(prefix = 'writ-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
