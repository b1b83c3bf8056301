import { useEffect, useState } from 'react';
import { api, type CaseView, type Me, type Page } from '../api.ts';
import { Badge, ErrorNote, Loading, Section } from '../components/common.tsx';
import { sla } from '../format.ts';
import { useLedgerEvents } from '../live.ts';
import { Link } from '../router.tsx';

/** The analyst queue: open cases, soonest SLA first (or by severity), the exceptions Writ could not close alone. */
export function QueuePage({ me }: { me: Me }) {
  const [filters, setFilters] = useState({ status: 'open', severity: '', queue: '', sort: 'sla' });
  const [cases, setCases] = useState<CaseView[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [version, setVersion] = useState(0);
  const [now, setNow] = useState(Date.now());
  useLedgerEvents((e) => {
    if (e.kind.startsWith('case.')) setVersion((v) => v + 1);
  });
  const query = (cursor?: string) => {
    const q = new URLSearchParams({ status: filters.status, sort: filters.sort, limit: '50' });
    if (filters.severity) q.set('severity', filters.severity);
    if (filters.queue) q.set('queue', filters.queue);
    if (cursor) q.set('cursor', cursor);
    return `/api/v1/cases?${q}`;
  };
  useEffect(() => {
    let cancelled = false;
    setLoading(true);
    api<Page<CaseView>>(query()).then(
      (page) => {
        if (cancelled) return;
        setCases(page.items);
        setNext(page.next);
        setError(null);
        setLoading(false);
        setNow(Date.now());
      },
      (e) => !cancelled && (setError(e), setLoading(false)),
    );
    return () => {
      cancelled = true;
    };
  }, [filters, version]);
  const more = async () => {
    if (!next) return;
    const page = await api<Page<CaseView>>(query(next));
    setCases((c) => [...c, ...page.items]);
    setNext(page.next);
  };
  const set = (key: keyof typeof filters) => (e: { target: { value: string } }) => setFilters((f) => ({ ...f, [key]: e.target.value }));
  return (
    <Section
      title="Queue"
      actions={
        <form className="filters" onSubmit={(e) => e.preventDefault()}>
          <label>
            Status
            <select value={filters.status} onChange={set('status')}>
              <option value="open">open</option>
              <option value="closed">closed</option>
            </select>
          </label>
          <label>
            Severity
            <select value={filters.severity} onChange={set('severity')}>
              <option value="">any</option>
              {['critical', 'high', 'medium', 'low'].map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
          <label>
            Queue
            <input value={filters.queue} onChange={set('queue')} placeholder="any" size={10} />
          </label>
          <label>
            Order
            <select value={filters.sort} onChange={set('sort')}>
              <option value="sla">SLA</option>
              <option value="severity">severity</option>
              <option value="created">newest</option>
            </select>
          </label>
        </form>
      }
    >
      <ErrorNote error={error} />
      {loading && cases.length === 0 ? <Loading /> : null}
      {!loading && cases.length === 0 ? <p className="muted">Nothing waiting. Writ handled the rest.</p> : null}
      {cases.length > 0 ? (
        <table className="grid">
          <thead>
            <tr>
              <th>Severity</th>
              <th>Case</th>
              <th>Type</th>
              <th>Queue</th>
              <th>SLA</th>
              <th>Opened by</th>
            </tr>
          </thead>
          <tbody>
            {cases.map((c) => {
              const due = sla(c.status === 'open' ? c.slaDueAt : null, now);
              return (
                <tr key={c.id}>
                  <td>
                    <Badge kind={`sev-${c.severity}`}>{c.severity}</Badge>
                  </td>
                  <td>
                    <Link to={`/cases/${encodeURIComponent(c.id)}`}>{c.title}</Link>
                  </td>
                  <td>{c.type}</td>
                  <td>{c.queue ?? '—'}</td>
                  <td className={due.breached ? 'breached' : ''}>{c.status === 'open' ? due.text : `closed (${c.closeMode})`}</td>
                  <td>
                    <code>{c.openedBy}</code>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      {next ? (
        <button type="button" onClick={() => void more()}>
          Load more
        </button>
      ) : null}
      {me.permissions.includes('case.open') ? <p className="muted">Cases open here when Writ routes an exception to a person.</p> : null}
    </Section>
  );
}
