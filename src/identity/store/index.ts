export { IdentityStore, type IdentityRecord, type IdentityDescription, type ImportReport, type WriteOptions } from './identity-store.ts';
export { ResponseRecords, type FindingRecord, type PlanRecord, type PlanStatus, type StepRecord, type StepStatus, type StepDetail, type GateSubjectCheck } from './response-records.ts';
