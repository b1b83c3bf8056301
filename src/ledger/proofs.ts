import { WritError } from '../errors/index.ts';
import type { Ledger } from './ledger.ts';
import { requireNode } from './ledger.ts';
import {
  assembleConsistency,
  assembleInclusion,
  consistencyPlan,
  inclusionPlan,
  leafHash,
  verifyConsistency,
  verifyInclusion,
} from './merkle.ts';

/** The inclusion-proof document auditors' tools rely on (field names are an interface). */
export interface InclusionProofDocument {
  leaf_index: number;
  tree_size: number;
  leaf: string;
  path: string[];
  root: string;
  checkpoint: string;
}

export interface ConsistencyProofDocument {
  old_size: number;
  new_size: number;
  path: string[];
  old_root: string;
  new_root: string;
}

/**
 * An RFC 9162 inclusion proof for entry `seq` in the tree of `treeSize` leaves (default:
 * the current head), with a signed checkpoint for that size. The proof is checked
 * against the checkpoint before it is returned, so a damaged store cannot hand out a
 * proof that does not verify.
 */
export async function inclusionProof(ledger: Ledger, seq: number, treeSize?: number): Promise<InclusionProofDocument> {
  const head = await ledger.head();
  const size = treeSize ?? head.size;
  assertIndex('--seq', seq, head.size);
  if (!Number.isSafeInteger(size) || size <= seq || size > head.size) {
    throw new WritError('WRIT_LEDGER_RANGE', `--size ${size} must be greater than --seq ${seq} and at most the tree size ${head.size}`);
  }
  const found = await ledger.nodes(inclusionPlan(seq, size));
  const path = assembleInclusion(seq, size, (k) => requireNode(found, k.level, k.index));
  const body = await ledger.entryBody(seq);
  const checkpoint = await ledger.checkpointFor(size);
  const leaf = Buffer.from(body, 'utf8');
  if (!verifyInclusion(leafHash(leaf), seq, size, path, checkpoint.rootHash)) {
    throw new WritError('WRIT_LEDGER_INVALID', `the stored tree does not prove entry ${seq} against checkpoint ${size}; run writ ledger verify`);
  }
  return {
    leaf_index: seq,
    tree_size: size,
    leaf: leaf.toString('base64'),
    path: path.map((h) => h.toString('base64')),
    root: checkpoint.rootHash.toString('base64'),
    checkpoint: checkpoint.note,
  };
}

/** An RFC 9162 consistency proof between two tree sizes, checked before it is returned. */
export async function consistencyProof(ledger: Ledger, oldSize: number, newSize: number): Promise<ConsistencyProofDocument> {
  const head = await ledger.head();
  if (!Number.isSafeInteger(oldSize) || !Number.isSafeInteger(newSize) || oldSize < 1 || oldSize > newSize || newSize > head.size) {
    throw new WritError('WRIT_LEDGER_RANGE', `consistency needs 1 <= OLD <= NEW <= ${head.size}; got ${oldSize} and ${newSize}`);
  }
  const found = await ledger.nodes(consistencyPlan(oldSize, newSize));
  const path = assembleConsistency(oldSize, newSize, (k) => requireNode(found, k.level, k.index));
  const oldRoot = (await ledger.checkpointFor(oldSize)).rootHash;
  const newRoot = (await ledger.checkpointFor(newSize)).rootHash;
  if (!verifyConsistency(oldSize, newSize, oldRoot, newRoot, path)) {
    throw new WritError('WRIT_LEDGER_INVALID', `the stored tree does not prove ${oldSize} consistent with ${newSize}; run writ ledger verify`);
  }
  return {
    old_size: oldSize,
    new_size: newSize,
    path: path.map((h) => h.toString('base64')),
    old_root: oldRoot.toString('base64'),
    new_root: newRoot.toString('base64'),
  };
}

function assertIndex(flag: string, value: number, size: number): void {
  if (!Number.isSafeInteger(value) || value < 0 || value >= size) {
    throw new WritError('WRIT_LEDGER_RANGE', `${flag} ${value} is beyond the ledger, which holds entries 0..${size - 1}`);
  }
}
