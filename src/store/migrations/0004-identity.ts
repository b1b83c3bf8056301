import { sql, type Kysely } from 'kysely';

// Non-human identity response: the inventory and its fingerprint index, ingested
// authentication events, findings, and response plans with their steps. No secret is
// stored anywhere here: only keyed fingerprints (`fp:…`) and public key ids.
export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per identity; `body` is the validated Identity as JSON. A removed identity
  // keeps its row with `deleted_at` set, so a later finding can be told it no longer exists.
  await db.schema
    .createTable('identities')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('class', 'text', (c) => c.notNull())
    .addColumn('connector', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('owner_team', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .addColumn('deleted_reason', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('identities_tenant').on('identities').columns(['tenant', 'deleted_at']).execute();

  // The fingerprint index: `fp` rows hold keyed fingerprints of secret values, `key_id` rows public key ids.
  await db.schema
    .createTable('identity_index')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('identity_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('identity_index_pk', ['kind', 'value', 'identity_id'])
    .execute();
  await db.schema.createIndex('identity_index_identity').on('identity_index').column('identity_id').execute();

  // One counter bumped by every inventory change, so processes know when to reload.
  await db.schema
    .createTable('identity_meta')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'bigint', (c) => c.notNull())
    .execute();
  await sql`insert into identity_meta (key, value) values ('revision', 0)`.execute(db);

  await db.schema
    .createTable('identity_auth_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant', 'text', (c) => c.notNull())
    .addColumn('identity_id', 'text')
    .addColumn('time', 'bigint', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('identity_auth_events_identity').on('identity_auth_events').columns(['identity_id', 'time']).execute();

  // Findings as received (OCSF Detection Finding JSON, secrets already fingerprinted).
  // `dedup_key` names the credential (its fingerprints, else key ids, else the source's uid),
  // so a repeated finding of the same secret joins the open response instead of starting one.
  await db.schema
    .createTable('identity_findings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant', 'text', (c) => c.notNull())
    .addColumn('uid', 'text', (c) => c.notNull())
    .addColumn('dedup_key', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('identity_id', 'text')
    .addColumn('match_status', 'text', (c) => c.notNull())
    .addColumn('queue', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('case_id', 'text')
    .addColumn('plan_id', 'text')
    .addColumn('repeats', 'integer', (c) => c.notNull())
    .addColumn('first_seen', 'bigint', (c) => c.notNull())
    .addColumn('last_seen', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('identity_findings_dedup').on('identity_findings').columns(['tenant', 'dedup_key']).execute();
  await db.schema.createIndex('identity_findings_uid').on('identity_findings').columns(['tenant', 'uid']).execute();

  await db.schema
    .createTable('identity_plans')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant', 'text', (c) => c.notNull())
    .addColumn('finding_id', 'text', (c) => c.notNull())
    .addColumn('identity_id', 'text')
    .addColumn('case_id', 'text')
    .addColumn('strategy', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('identity_plans_case').on('identity_plans').column('case_id').execute();
  await db.schema.createIndex('identity_plans_status').on('identity_plans').columns(['status', 'identity_id']).execute();

  await db.schema
    .createTable('identity_plan_steps')
    .addColumn('plan_id', 'text', (c) => c.notNull())
    .addColumn('step_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('action_id', 'text')
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('identity_plan_steps_pk', ['plan_id', 'step_id'])
    .execute();
  await db.schema.createIndex('identity_plan_steps_action').on('identity_plan_steps').column('action_id').execute();

  // A rotation whose old secret stays valid for a grace period (a coordinated rotation):
  // temporary access created by the response. It ends when the dependents have moved, when
  // the grace period runs out, or when the case closes, whichever comes first.
  await db.schema
    .createTable('identity_rotations')
    .addColumn('action_id', 'text', (c) => c.primaryKey())
    .addColumn('identity_id', 'text', (c) => c.notNull())
    .addColumn('case_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('rotation', 'text', (c) => c.notNull())
    .addColumn('grace_ends_at', 'bigint', (c) => c.notNull())
    .addColumn('retire_result', 'text')
    .addColumn('retire_reason', 'text')
    .addColumn('error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('identity_rotations_status').on('identity_rotations').columns(['status', 'grace_ends_at']).execute();
}
