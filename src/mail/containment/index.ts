export { MailConnector, type CampaignDirectory, type SerializableCriteria } from './mail-connector.ts';
export { CampaignStore } from './campaign-store.ts';
