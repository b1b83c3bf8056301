import { sql, type Kysely } from 'kysely';

// User reports of suspicious mail: one row per distinct reported message (deduplicated),
// each report of it an event; the original's bytes kept for evidence and retro-hunts.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('reports')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('sender', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('verdict', 'text', (c) => c.notNull())
    .addColumn('confidence', 'double precision', (c) => c.notNull())
    .addColumn('probability', 'double precision', (c) => c.notNull())
    .addColumn('reasons', 'text', (c) => c.notNull())
    .addColumn('analysis', 'text', (c) => c.notNull())
    .addColumn('campaign_id', 'text')
    .addColumn('case_id', 'text')
    .addColumn('report_count', 'integer', (c) => c.notNull())
    .addColumn('first_reported_at', 'bigint', (c) => c.notNull())
    .addColumn('last_reported_at', 'bigint', (c) => c.notNull())
    .addColumn('label', 'text')
    .addUniqueConstraint('reports_tenant_fingerprint', ['tenant', 'fingerprint'])
    .execute();
  await db.schema.createIndex('reports_campaign').on('reports').column('campaign_id').execute();

  await db.schema
    .createTable('report_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('report_id', 'text', (c) => c.notNull())
    .addColumn('reporter', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('report_events_report').on('report_events').column('report_id').execute();

  await db.schema
    .createTable('report_blobs')
    .addColumn('sha256', 'text', (c) => c.primaryKey())
    .addColumn('raw', 'text', (c) => c.notNull())
    .execute();

  // The campaign clusterer's state, shared by every process and locked while assigning.
  await db.schema
    .createTable('triage_state')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('clusterer', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await sql`insert into triage_state (id, clusterer, updated_at) values (1, '', 0)`.execute(db);
}
