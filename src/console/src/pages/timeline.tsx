import { useEffect, useRef, useState } from 'react';
import { api } from '../api.ts';
import { ErrorNote, Loading, Section } from '../components/common.tsx';
import { useLedgerEvents } from '../live.ts';
import { verifyCheckpoint, verifyInclusion, type CheckpointCheck, type InclusionProof, type Verdict } from '../ledger-verify.ts';
import { short } from '../format.ts';

interface Bundle {
  verifier_key: string;
  checkpoint: string;
  entries: InclusionProof[];
}

interface Row {
  proof: InclusionProof;
  entry: { seq: number; time: string; kind: string; actor: string; payload: unknown };
  verdict: Verdict;
}

/**
 * A case's ledger timeline, each entry checked in this browser: its inclusion proof against
 * the signed checkpoint, and the checkpoint's signature against the verifier key.
 */
export function LedgerTimeline({ caseId }: { caseId: string }) {
  const [rows, setRows] = useState<Row[] | null>(null);
  const [checkpoint, setCheckpoint] = useState<CheckpointCheck | null>(null);
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  useLedgerEvents((e) => {
    if (e.case === caseId) setVersion((v) => v + 1);
  });
  // A newer load may finish after an older one; an older one never replaces a newer result,
  // and a load is never thrown away just because another started (busy cases still settle).
  const shown = useRef(-1);
  useEffect(() => {
    const mine = version;
    (async () => {
      const bundle = await api<Bundle>(`/api/v1/cases/${encodeURIComponent(caseId)}/evidence`);
      const cp = await verifyCheckpoint(bundle.checkpoint, bundle.verifier_key);
      const out: Row[] = [];
      for (const proof of bundle.entries) {
        const text = new TextDecoder().decode(Uint8Array.from(atob(proof.leaf), (c) => c.charCodeAt(0)));
        const verdict = await verifyInclusion(proof);
        const rootMatches = proof.root === cp.root;
        out.push({ proof, entry: JSON.parse(text) as Row['entry'], verdict: verdict.ok && !rootMatches ? { ok: false, reason: 'proved against another root than the checkpoint' } : verdict });
      }
      if (mine < shown.current) return;
      shown.current = mine;
      setRows(out);
      setCheckpoint(cp);
      setKey(bundle.verifier_key);
      setError(null);
    })().catch((e: unknown) => setError(e));
  }, [caseId, version]);
  const failed = rows?.map((r) => r.verdict).find((v): v is { ok: false; reason: string } => !v.ok);
  const failure = checkpoint && !checkpoint.verdict.ok ? `checkpoint: ${checkpoint.verdict.reason}` : failed?.reason;
  const all = rows !== null && checkpoint !== null && failure === undefined;
  return (
    <Section title="Ledger timeline">
      <ErrorNote error={error} />
      {rows === null || checkpoint === null ? (
        <Loading />
      ) : (
        <>
          <p className={all ? 'verified' : 'error'} role="status" aria-label="verification state">
            {all
              ? `All ${rows.length} entries verified in this browser: each is included in checkpoint ${checkpoint.size}${checkpoint.signatureChecked ? ', whose Ed25519 signature verifies' : ' (signature not checkable in this browser)'}.`
              : `Verification failed: ${failure ?? 'unknown'}`}
          </p>
          <p className="muted">
            Verifier key <code title={key}>{short(key, 48)}</code> — compare it with the one your organisation publishes.
          </p>
          <ol className="timeline">
            {rows.map((r) => (
              <li key={r.entry.seq} className={r.verdict.ok ? 'ok' : 'bad'}>
                <span className="seq">#{r.entry.seq}</span>
                <span className="time">{r.entry.time.replace('T', ' ').slice(0, 19)}</span>
                <strong>{r.entry.kind}</strong>
                <code>{r.entry.actor}</code>
                <span className={r.verdict.ok ? 'verified' : 'error'}>{r.verdict.ok ? '✓ included' : `✗ ${r.verdict.reason}`}</span>
                <details>
                  <summary>entry and inclusion proof</summary>
                  <pre className="json">{JSON.stringify({ entry: r.entry, proof: { leaf_index: r.proof.leaf_index, tree_size: r.proof.tree_size, path: r.proof.path, root: r.proof.root } }, null, 2)}</pre>
                </details>
              </li>
            ))}
          </ol>
        </>
      )}
    </Section>
  );
}
