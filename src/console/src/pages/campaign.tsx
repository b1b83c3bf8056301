import type { ActionView, Me, Page } from '../api.ts';
import { ActionCard } from '../components/action-card.tsx';
import { Badge, ErrorNote, Json, Loading, Section } from '../components/common.tsx';
import { when } from '../format.ts';
import { useApi } from '../live.ts';
import { Link } from '../router.tsx';

interface CampaignData {
  campaign: { id: string; tenant: string; name: string; criteria: unknown; indicators: unknown; createdAt: number; updatedAt: number };
  actions: ActionView[];
  cases: string[];
  mailboxes: Array<{ mailbox: string; quarantined: number; remaining: number | null; state: string }>;
  containment: string;
  checkedAt: number;
}

const CONTAINMENT: Record<string, string> = {
  contained: 'Contained — verified by reading every mailbox back',
  awaiting_approval: 'Awaiting approval',
  in_progress: 'Containment running',
  exposed: 'Exposed',
  not_started: 'No containment proposed',
};

/** A campaign: every mailbox hit and its containment state, read back live from the mail system. */
export function CampaignPage({ id, me }: { id: string; me: Me }) {
  const { data, error, reload } = useApi<CampaignData>(`/api/v1/campaigns/${encodeURIComponent(id)}`, (e) => e.campaign === id || e.action !== null);
  if (error) return <ErrorNote error={error} />;
  if (!data) return <Loading />;
  const counts = data.mailboxes.reduce<Record<string, number>>((acc, m) => ({ ...acc, [m.state]: (acc[m.state] ?? 0) + 1 }), {});
  return (
    <>
      <header className="page-head">
        <h1>Campaign: {data.campaign.name}</h1>
        <div className="chips">
          <Badge kind={`containment-${data.containment}`}>{CONTAINMENT[data.containment] ?? data.containment}</Badge>
          <span>
            {data.mailboxes.length} mailboxes · {Object.entries(counts).map(([s, n]) => `${n} ${s}`).join(' · ') || 'none named'}
          </span>
          <span className="muted">checked {when(data.checkedAt)}</span>
          {data.cases.map((c) => (
            <Link key={c} to={`/cases/${encodeURIComponent(c)}`}>
              case
            </Link>
          ))}
        </div>
      </header>
      <Section title="Indicators and search criteria">
        <Json value={{ indicators: data.campaign.indicators, criteria: data.campaign.criteria }} />
      </Section>
      <Section title="Actions">
        {data.actions.length === 0 ? <p className="muted">No actions.</p> : null}
        {data.actions.map((a) => (
          <ActionCard key={a.id} action={a} me={me} onChange={reload} />
        ))}
      </Section>
      <Section title="Mailboxes">
        <table className="grid" aria-label="mailboxes">
          <thead>
            <tr>
              <th>Mailbox</th>
              <th>Quarantined</th>
              <th>Still outside quarantine</th>
              <th>State</th>
            </tr>
          </thead>
          <tbody>
            {data.mailboxes.map((m) => (
              <tr key={m.mailbox}>
                <td>
                  <code>{m.mailbox}</code>
                </td>
                <td>{m.quarantined}</td>
                <td>{m.remaining ?? 'unknown'}</td>
                <td>
                  <Badge kind={`mailbox-${m.state}`}>{m.state}</Badge>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
    </>
  );
}

export function CampaignsPage() {
  const { data, error } = useApi<Page<{ id: string; name: string; tenant: string; updatedAt: number }>>('/api/v1/campaigns', (e) => e.campaign !== null);
  if (error) return <ErrorNote error={error} />;
  if (!data) return <Loading />;
  return (
    <Section title="Campaigns">
      {data.items.length === 0 ? <p className="muted">No campaigns.</p> : null}
      <ul className="plain">
        {data.items.map((c) => (
          <li key={c.id}>
            <Link to={`/campaigns/${encodeURIComponent(c.id)}`}>{c.name}</Link> <span className="muted">{c.tenant} · updated {when(c.updatedAt)}</span>
          </li>
        ))}
      </ul>
    </Section>
  );
}
