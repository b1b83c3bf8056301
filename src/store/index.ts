export { openStore, redactUrl, type Store, type Db, type Engine, type OpenStoreOptions } from './open-store.ts';
export type { Database, JobStatus, ActionStatus, CaseStatus } from './schema.ts';
