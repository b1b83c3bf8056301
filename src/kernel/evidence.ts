import { inclusionProof, verifierKey, type Ledger, type InclusionProofDocument } from '../ledger/index.ts';
import type { Store } from '../store/index.ts';
import type { ActionService } from './actions-service.ts';
import type { CaseService } from './cases.ts';

export interface EvidenceBundle {
  format: 'writ.evidence.v1';
  generated_at: string;
  case: unknown;
  /** The verifier key for the checkpoint and every proof. */
  verifier_key: string;
  /** Signed checkpoint that every proof below verifies against. */
  checkpoint: string;
  /** Each of the case's ledger entries with its inclusion proof (the entry is the proof's `leaf`). */
  entries: InclusionProofDocument[];
  /** Artefacts: the case's actions with their decisions, results and read-back evidence. */
  artefacts: { actions: unknown[] };
}

/**
 * A case's evidence for someone who trusts nothing but the ledger key: every entry about
 * the case with an RFC 9162 inclusion proof against one signed checkpoint, plus artefacts.
 */
export async function exportEvidence(store: Store, ledger: Ledger, cases: CaseService, actions: ActionService, caseId: string): Promise<EvidenceBundle> {
  const view = await cases.get(caseId);
  const checkpoint = await ledger.checkpoint();
  const size = checkpoint?.treeSize ?? 0;
  const rows = await store.db.selectFrom('ledger_entries').select('seq').where('case_id', '=', caseId).where('seq', '<', size).orderBy('seq').execute();
  const entries: InclusionProofDocument[] = [];
  for (const row of rows) entries.push(await inclusionProof(ledger, row.seq, size));
  return {
    format: 'writ.evidence.v1',
    generated_at: new Date().toISOString(),
    case: view,
    verifier_key: verifierKey(ledger.origin, ledger.publicKey),
    checkpoint: checkpoint?.note ?? '',
    entries,
    artefacts: { actions: await actions.forCase(caseId) },
  };
}
