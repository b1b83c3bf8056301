import { mkdirSync, openSync, readSync, closeSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type MigrationProvider } from 'kysely';
import { WritError } from '../errors/index.ts';
import { MIGRATIONS } from './migrations/index.ts';
import type { Database } from './schema.ts';

export type Engine = 'sqlite' | 'postgres';
/** A Kysely handle: the database itself or a transaction on it. */
export type Db = Kysely<Database>;

export interface Store {
  readonly engine: Engine;
  readonly db: Db;
  /**
   * Runs `fn` in one transaction. On SQLite the transaction takes the write lock up
   * front (BEGIN IMMEDIATE), so two processes never deadlock on a lock upgrade.
   */
  transaction<T>(fn: (trx: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  url: string;
  /** Apply pending migrations (default true). */
  migrate?: boolean;
  poolSize?: number;
}

const SQLITE_MAGIC = 'SQLite format 3\u0000';
const WRIT_MARKER = 'writ';

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const { url, migrate = true, poolSize = 10 } = options;
  const store = url.startsWith('sqlite:')
    ? openSqlite(url.slice('sqlite:'.length))
    : /^postgres(ql)?:\/\//.test(url)
      ? openPostgres(url, poolSize)
      : undefined;
  if (!store) {
    throw new WritError('WRIT_CONFIG_INVALID', `WRIT_DATABASE_URL: expected sqlite:PATH or postgres://…, got "${redactUrl(url)}"`);
  }
  try {
    await ensureWritDatabase(store);
    if (migrate) await runMigrations(store);
  } catch (error) {
    await store.close().catch(() => undefined);
    throw translateOpenError(error, url);
  }
  return store;
}

function openSqlite(path: string): Store {
  if (path !== ':memory:') {
    mkdirSync(dirname(path), { recursive: true });
    if (existsSync(path)) assertSqliteFile(path);
  }
  let native: SqliteDatabase.Database;
  try {
    native = new SqliteDatabase(path);
    native.pragma('journal_mode = WAL');
    native.pragma('synchronous = NORMAL');
    native.pragma('busy_timeout = 10000');
    native.pragma('foreign_keys = ON');
  } catch (error) {
    throw translateOpenError(error, `sqlite:${path}`);
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: native }) });
  return {
    engine: 'sqlite',
    db,
    transaction: (fn) =>
      db.connection().execute(async (conn) => {
        await sql`begin immediate`.execute(conn);
        try {
          const result = await fn(conn);
          await sql`commit`.execute(conn);
          return result;
        } catch (error) {
          await sql`rollback`.execute(conn).catch(() => undefined);
          throw error;
        }
      }),
    close: () => db.destroy(),
  };
}

function openPostgres(url: string, poolSize: number): Store {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: 10_000,
    // bigint columns hold epoch milliseconds and ledger indices: safe as JS numbers.
    types: {
      getTypeParser: (oid: number, format?: 'text' | 'binary') =>
        oid === 20 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format),
    } as pg.CustomTypesConfig,
  });
  // An idle client that loses its server must not crash the process.
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    engine: 'postgres',
    db,
    transaction: (fn) => db.transaction().execute(fn),
    close: () => db.destroy(),
  };
}

function assertSqliteFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    const header = Buffer.alloc(16);
    const read = readSync(fd, header, 0, 16, 0);
    if (read === 0) return; // an empty file becomes a new database
    if (read < 16 || header.toString('latin1') !== SQLITE_MAGIC) {
      throw new WritError('WRIT_STORE_CORRUPT', `${path} is not an SQLite database (corrupt or foreign file)`);
    }
  } finally {
    closeSync(fd);
  }
}

/** Refuses a database that holds tables but is not Writ's, rather than writing into it. */
async function ensureWritDatabase(store: Store): Promise<void> {
  const tables =
    store.engine === 'sqlite'
      ? await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(store.db)
      : await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema()`.execute(store.db);
  const names = new Set(tables.rows.map((r) => r.name));
  if (names.size === 0) return;
  if (!names.has('writ_meta')) {
    throw new WritError('WRIT_STORE_CORRUPT', 'the database holds tables but is not a Writ database; refusing to write into it');
  }
  const marker = await store.db.selectFrom('writ_meta').select('value').where('key', '=', 'schema').executeTakeFirst();
  if (marker?.value !== WRIT_MARKER) {
    throw new WritError('WRIT_STORE_CORRUPT', 'the database has a writ_meta table without the Writ marker; refusing to use it');
  }
}

async function runMigrations(store: Store): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };
  const migrator = new Migrator({ db: store.db, provider, migrationTableName: 'writ_migrations', migrationLockTableName: 'writ_migrations_lock' });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new WritError('WRIT_STORE_UNAVAILABLE', `migration ${failed} failed: ${(error as Error).message}`, { cause: error });
  }
  await store.db
    .insertInto('writ_meta')
    .values({ key: 'schema', value: WRIT_MARKER })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
}

function translateOpenError(error: unknown, url: string): WritError {
  if (error instanceof WritError) return error;
  const e = error as { code?: string; message?: string };
  const where = redactUrl(url);
  if (e.code === 'SQLITE_NOTADB' || e.code === 'SQLITE_CORRUPT') {
    return new WritError('WRIT_STORE_CORRUPT', `${where} is not a usable SQLite database (${e.code})`, { cause: error });
  }
  if (e.code === 'SQLITE_CANTOPEN' || e.code === 'SQLITE_READONLY' || e.code === 'EACCES') {
    return new WritError('WRIT_STORE_UNAVAILABLE', `cannot open ${where} (${e.code})`, { cause: error });
  }
  return new WritError('WRIT_STORE_UNAVAILABLE', `cannot open ${where}: ${e.message ?? String(error)}`, { cause: error });
}

/** Database URLs may carry a password; it never reaches a message or a log. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):([^@]*)@/, '//$1:***@');
}
