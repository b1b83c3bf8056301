export { Ledger, type LedgerOptions, type LedgerSigner, type Checkpoint } from './ledger.ts';
export type { LedgerEntry, LedgerEntryInput, LedgerSubjects } from './entry.ts';
export { inclusionProof, consistencyProof, type InclusionProofDocument, type ConsistencyProofDocument } from './proofs.ts';
export { verifyStore, verifyExportFile, LedgerVerificationError, type VerifyReport } from './verify.ts';
export { exportLedger } from './export.ts';
export { canonicalize } from './canonical-json.ts';
export { verifierKey, verifyCheckpoint, parseCheckpoint } from './checkpoint.ts';
export { leafHash, verifyInclusion, verifyConsistency } from './merkle.ts';
export { loadOrCreateSigningKey } from './signing-key.ts';
