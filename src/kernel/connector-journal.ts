import type { Store } from '../store/index.ts';

/**
 * Durable memory for connectors, per action and step. A connector records what it found
 * before it acts on it, so a re-run after a crash acts on the same things (and its
 * idempotent operations then move nothing twice) instead of searching again and missing
 * what the first run already moved.
 */
export class ConnectorJournal {
  constructor(private readonly store: Store) {}

  async remember<T>(actionId: string, step: string, compute: () => Promise<T>): Promise<T> {
    const existing = await this.store.db.selectFrom('connector_journal').select('data').where('action_id', '=', actionId).where('step', '=', step).executeTakeFirst();
    if (existing) return JSON.parse(existing.data) as T;
    const value = await compute();
    await this.store.db
      .insertInto('connector_journal')
      .values({ action_id: actionId, step, data: JSON.stringify(value), created_at: Date.now() })
      .onConflict((oc) => oc.columns(['action_id', 'step']).doNothing())
      .execute();
    // If another run recorded first, its answer is the one both act on.
    const stored = await this.store.db.selectFrom('connector_journal').select('data').where('action_id', '=', actionId).where('step', '=', step).executeTakeFirstOrThrow();
    return JSON.parse(stored.data) as T;
  }
}
