import type { Store } from '../../store/index.ts';
import type { CampaignDirectory, SerializableCriteria } from './mail-connector.ts';

/** Campaign search criteria kept in the database, shared by every process. */
export class CampaignStore implements CampaignDirectory {
  constructor(private readonly store: Store) {}

  async criteria(campaignId: string): Promise<SerializableCriteria[] | undefined> {
    const row = await this.store.db.selectFrom('campaigns').select('criteria').where('id', '=', campaignId).executeTakeFirst();
    return row ? (JSON.parse(row.criteria) as SerializableCriteria[]) : undefined;
  }

  async save(campaign: { id: string; tenant: string; name: string; criteria: SerializableCriteria[]; indicators?: unknown }): Promise<void> {
    const now = Date.now();
    await this.store.db
      .insertInto('campaigns')
      .values({ id: campaign.id, tenant: campaign.tenant, name: campaign.name, criteria: JSON.stringify(campaign.criteria), indicators: JSON.stringify(campaign.indicators ?? {}), created_at: now, updated_at: now })
      .onConflict((oc) => oc.column('id').doUpdateSet({ criteria: JSON.stringify(campaign.criteria), name: campaign.name, updated_at: now }))
      .execute();
  }
}
