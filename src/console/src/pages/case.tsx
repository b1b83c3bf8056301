import { useState } from 'react';
import { api, type ActionView, type CaseView, type Me } from '../api.ts';
import { ActionCard } from '../components/action-card.tsx';
import { Badge, ErrorNote, Json, Loading, Section } from '../components/common.tsx';
import { sla, when } from '../format.ts';
import { useApi } from '../live.ts';
import { Link } from '../router.tsx';
import { LedgerTimeline } from './timeline.tsx';

interface Indicator {
  kind?: string;
  value?: string;
  source?: string;
  [k: string]: unknown;
}

interface Advice {
  summary?: string;
  confidence?: number;
  model?: string;
  recommendations?: string[];
}

/** One case: evidence with provenance, advice marked as advice, the actions and their reasons, closure, and the ledger. */
export function CasePage({ id, me }: { id: string; me: Me }) {
  const { data, error, reload } = useApi<{ case: CaseView; actions: ActionView[] }>(`/api/v1/cases/${encodeURIComponent(id)}`, (e) => e.case === id || e.action !== null);
  if (error) return <ErrorNote error={error} />;
  if (!data) return <Loading />;
  const kase = data.case;
  const { indicators, advice, evidence, ...rest } = kase.facts as { indicators?: Indicator[]; advice?: Advice; evidence?: unknown[] } & Record<string, unknown>;
  const due = sla(kase.status === 'open' ? kase.slaDueAt : null, Date.now());
  const campaigns = [...new Set(data.actions.filter((a) => a.target.type === 'campaign').map((a) => a.target.id))];
  return (
    <>
      <header className="page-head">
        <h1>{kase.title}</h1>
        <div className="chips">
          <Badge kind={`sev-${kase.severity}`}>{kase.severity}</Badge>
          <Badge kind={kase.status}>{kase.status}</Badge>
          <span>{kase.type}</span>
          {kase.queue ? <span>queue {kase.queue}</span> : null}
          <span className={due.breached ? 'breached' : ''}>{kase.status === 'open' ? due.text : `closed ${when(kase.closedAt)} by ${kase.closedBy} (${kase.closeMode})`}</span>
          {campaigns.map((c) => (
            <Link key={c} to={`/campaigns/${encodeURIComponent(c)}`}>
              campaign {c}
            </Link>
          ))}
        </div>
        {kase.closeReason ? <p className="override">Override justification: {kase.closeReason}</p> : null}
      </header>

      <Section title="Evidence and indicators">
        {indicators && indicators.length > 0 ? (
          <table className="grid">
            <thead>
              <tr>
                <th>Kind</th>
                <th>Value</th>
                <th>Provenance</th>
              </tr>
            </thead>
            <tbody>
              {indicators.map((i, n) => (
                <tr key={n}>
                  <td>{i.kind ?? '—'}</td>
                  <td>
                    <code>{i.value ?? JSON.stringify(i)}</code>
                  </td>
                  <td className="muted">{i.source ?? 'not recorded'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="muted">No indicators recorded.</p>
        )}
        {evidence && evidence.length > 0 ? <Json value={evidence} /> : null}
        {Object.keys(rest).length > 0 ? <Json value={rest} /> : null}
      </Section>

      {advice ? (
        <section className="panel advice" aria-label="AI advice">
          <header className="panel-head">
            <h2>AI advice</h2>
            <Badge kind="advice">advice only — not a decision</Badge>
          </header>
          <p>{advice.summary}</p>
          <p className="muted">
            {advice.model ? `model ${advice.model}` : null}
            {advice.confidence !== undefined ? ` · confidence ${Math.round(advice.confidence * 100)}%` : null}
          </p>
          {advice.recommendations ? (
            <ul>
              {advice.recommendations.map((r) => (
                <li key={r}>{r}</li>
              ))}
            </ul>
          ) : null}
          <p className="muted">Advice is proposed like any other input: the policy decides, and people approve.</p>
        </section>
      ) : null}

      <Section title="Proposed actions">
        {data.actions.length === 0 ? <p className="muted">No actions.</p> : null}
        {data.actions.map((a) => (
          <ActionCard key={a.id} action={a} me={me} onChange={reload} />
        ))}
      </Section>

      {kase.status === 'open' ? <Closure id={id} me={me} onClosed={reload} /> : null}

      <LedgerTimeline caseId={id} />
    </>
  );
}

function Closure({ id, me, onClosed }: { id: string; me: Me; onClosed: () => void }) {
  const [result, setResult] = useState<{ closable: boolean; criteria: Array<{ criterion: string; met: boolean; evidence: unknown }> } | null>(null);
  const [override, setOverride] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const check = async () => {
    setBusy(true);
    setError(null);
    try {
      setResult(await api(`/api/v1/cases/${encodeURIComponent(id)}/closure`));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const close = async (withOverride: boolean) => {
    setBusy(true);
    setError(null);
    try {
      await api(`/api/v1/cases/${encodeURIComponent(id)}/close`, { method: 'POST', body: withOverride ? { override: override.trim() } : {} });
      onClosed();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const mayClose = me.permissions.includes('case.close');
  return (
    <Section
      title="Closure"
      actions={
        <button type="button" onClick={() => void check()} disabled={busy}>
          Check closure criteria
        </button>
      }
    >
      {result ? (
        <ul className="criteria">
          {result.criteria.map((c) => (
            <li key={c.criterion}>
              <Badge kind={c.met ? 'met' : 'unmet'}>{c.met ? 'verified' : 'not verified'}</Badge> {c.criterion.replaceAll('_', ' ')}
              <details>
                <summary>read-back evidence</summary>
                <Json value={c.evidence} />
              </details>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">A case closes when its criteria are verified by reading the systems back.</p>
      )}
      {mayClose && result?.closable ? (
        <button type="button" className="primary" onClick={() => void close(false)} disabled={busy}>
          Close on evidence
        </button>
      ) : null}
      {mayClose ? (
        <form
          className="confirm"
          onSubmit={(e) => {
            e.preventDefault();
            void close(true);
          }}
        >
          <label>
            Close without evidence (an override, recorded as such): justification
            <textarea value={override} onChange={(e) => setOverride(e.target.value)} minLength={10} maxLength={2000} />
          </label>
          <button type="submit" disabled={busy || override.trim().length < 10}>
            Close with override
          </button>
        </form>
      ) : null}
      <ErrorNote error={error} />
    </Section>
  );
}
