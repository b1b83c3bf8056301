import type { ActionView, Me } from '../api.ts';
import { ActionCard } from '../components/action-card.tsx';
import { ErrorNote, Loading, Section } from '../components/common.tsx';
import { useApi } from '../live.ts';

interface IdentityData {
  id: string;
  actions: ActionView[];
  timeline: Array<{ seq: number; time: string; kind: string; actor: string }>;
}

/**
 * An identity as Writ has acted on it. Owner, class and dependents come from the identity
 * inventory once it is served; until then this shows the response plan as proposed actions.
 */
export function IdentityPage({ id, me }: { id: string; me: Me }) {
  const { data, error, reload } = useApi<IdentityData>(`/api/v1/identities/${encodeURIComponent(id)}`, (e) => e.identity === id || e.action !== null);
  if (error) return <ErrorNote error={error} />;
  if (!data) return <Loading />;
  return (
    <>
      <header className="page-head">
        <h1>Identity {data.id}</h1>
      </header>
      <Section title="Response plan">
        {data.actions.length === 0 ? <p className="muted">No actions have targeted this identity.</p> : null}
        {data.actions.map((a) => (
          <ActionCard key={a.id} action={a} me={me} onChange={reload} />
        ))}
      </Section>
      <Section title="Ledger">
        <ol className="timeline">
          {data.timeline.map((e) => (
            <li key={e.seq}>
              <span className="seq">#{e.seq}</span> <span className="time">{e.time}</span> <strong>{e.kind}</strong> <code>{e.actor}</code>
            </li>
          ))}
        </ol>
      </Section>
    </>
  );
}
