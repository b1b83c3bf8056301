import type { ActionView, Me, Page } from '../api.ts';
import { ActionCard } from '../components/action-card.tsx';
import { ErrorNote, Loading, Section } from '../components/common.tsx';
import { useApi } from '../live.ts';
import { Link } from '../router.tsx';

export function ApprovalsPage({ me }: { me: Me }) {
  const { data, error, reload } = useApi<Page<ActionView>>('/api/v1/approvals?limit=100', (e) => e.action !== null);
  if (error) return <ErrorNote error={error} />;
  if (!data) return <Loading />;
  return (
    <Section title="Waiting for approval">
      {data.items.length === 0 ? <p className="muted">Nothing is waiting for a person.</p> : null}
      {data.items.map((a) => (
        <div key={a.id}>
          {a.caseId ? (
            <p className="muted">
              in <Link to={`/cases/${encodeURIComponent(a.caseId)}`}>case</Link>
            </p>
          ) : null}
          <ActionCard action={a} me={me} onChange={reload} />
        </div>
      ))}
    </Section>
  );
}
