/**
 * Reported-email triage: parsing within limits, indicators with provenance, campaigns
 * and calibrated verdicts. Pure and database-free; intake (IMAP, upload, `writ report`)
 * builds on these pieces.
 */
export { analyseMessage } from './analyse.ts';
export { compileMailOptions, DEFAULT_LIMITS } from './options.ts';
export type { CompiledMailOptions, IndicatorList, MailLimits, MailOptions, SimulationOptions, Thresholds } from './options.ts';
export type * from './types.ts';
export { INDICATOR_SOURCES, LURE_CATEGORIES, VERDICTS } from './types.ts';
export { CampaignClusterer } from './campaigns/clusterer.ts';
export type { CampaignAssignment, CampaignSummary, ClustererOptions, ClustererState } from './campaigns/clusterer.ts';
export { campaignInput, campaignKeys, type CampaignInput } from './campaigns/keys.ts';
export { minhash, similarity } from './campaigns/minhash.ts';
export { BUILT_IN_BRANDS, type Brand } from './indicators/brands.ts';
export { SIMULATION_VENDORS } from './indicators/simulation.ts';
export { FEATURE_NAMES, computeFeatures, type FeatureName } from './verdict/features.ts';
export { DEFAULT_MODEL, parseModel, score, type VerdictModel } from './verdict/model.ts';
export { ROUTING_LIMITS } from './verdict/decide.ts';
export { stripTransportHeaders } from './strip.ts';
export { clearMailCaches } from './caches.ts';
export { extractReportedMessage } from './reported.ts';
export { triagePaths, collectEmlFiles, type TriageOptions, type TriageRow } from './triage.ts';
