import { useState } from 'react';
import { api } from '../api.ts';
import { Badge, ErrorNote, Loading, Section } from '../components/common.tsx';
import { short, when } from '../format.ts';
import { useApi } from '../live.ts';
import { Link } from '../router.tsx';

interface Entry {
  seq: number;
  time: string;
  kind: string;
  actor: string;
  subjects: { case?: string; action?: string; campaign?: string; identity?: string };
  leafHash: string;
}

export function LedgerPage() {
  const [before, setBefore] = useState<number | undefined>(undefined);
  const entries = useApi<{ items: Entry[]; next: number | null }>(`/api/v1/ledger/entries?order=desc&limit=50${before === undefined ? '' : `&after=${before}`}`, () => before === undefined);
  const checkpoints = useApi<{ verifierKey: string; treeSize: number; items: Array<{ treeSize: number; rootHash: string; createdAt: number }> }>('/api/v1/ledger/checkpoints?limit=1', () => true);
  const [report, setReport] = useState<{ ok: boolean; entries?: number; verifiedSize?: number; firstBadSeq?: number; reason?: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const verify = async () => {
    setBusy(true);
    setError(null);
    try {
      setReport(await api('/api/v1/ledger/verify'));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const latest = checkpoints.data?.items[0];
  return (
    <>
      <Section
        title="Ledger"
        actions={
          <button type="button" onClick={() => void verify()} disabled={busy}>
            Verify the whole ledger
          </button>
        }
      >
        {checkpoints.data ? (
          <p>
            {checkpoints.data.treeSize} entries. Latest signed checkpoint: size {latest?.treeSize ?? '—'}, root <code>{latest ? short(latest.rootHash, 16) : '—'}</code>, {when(latest?.createdAt)}.
            <br />
            <span className="muted">
              Verifier key <code>{checkpoints.data.verifierKey}</code>
            </span>
          </p>
        ) : null}
        {report ? (
          <p role="status" className={report.ok ? 'verified' : 'error'}>
            {report.ok ? `Verified: ${report.entries} entries recomputed; signed through ${report.verifiedSize}.` : `Verification failed at seq ${report.firstBadSeq}: ${report.reason}`}
          </p>
        ) : null}
        <ErrorNote error={error ?? entries.error} />
      </Section>
      <Section title="Entries">
        {!entries.data ? (
          <Loading />
        ) : (
          <table className="grid">
            <thead>
              <tr>
                <th>Seq</th>
                <th>Time</th>
                <th>Kind</th>
                <th>Actor</th>
                <th>About</th>
              </tr>
            </thead>
            <tbody>
              {entries.data.items.map((e) => (
                <tr key={e.seq}>
                  <td>{e.seq}</td>
                  <td>{e.time.replace('T', ' ').slice(0, 19)}</td>
                  <td>{e.kind.startsWith('security.') ? <Badge kind="security">{e.kind}</Badge> : e.kind}</td>
                  <td>
                    <code>{e.actor}</code>
                  </td>
                  <td>
                    {e.subjects.case ? <Link to={`/cases/${encodeURIComponent(e.subjects.case)}`}>case</Link> : null}{' '}
                    {e.subjects.campaign ? <Link to={`/campaigns/${encodeURIComponent(e.subjects.campaign)}`}>campaign</Link> : null}{' '}
                    {e.subjects.identity ? <Link to={`/identities/${encodeURIComponent(e.subjects.identity)}`}>identity</Link> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {entries.data?.next !== null && entries.data?.next !== undefined ? (
          <button type="button" onClick={() => setBefore(entries.data!.next!)}>
            Older
          </button>
        ) : null}
        {before !== undefined ? (
          <button type="button" onClick={() => setBefore(undefined)}>
            Newest
          </button>
        ) : null}
      </Section>
    </>
  );
}
