import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { api, ApiError, setCsrfToken, type Me } from './api.ts';
import { ErrorNote, Loading } from './components/common.tsx';
import { IncidentBanner } from './components/incident-banner.tsx';
import { AdminPage } from './pages/admin.tsx';
import { ApprovalsPage } from './pages/approvals.tsx';
import { CampaignPage, CampaignsPage } from './pages/campaign.tsx';
import { CasePage } from './pages/case.tsx';
import { IdentityPage } from './pages/identity.tsx';
import { LedgerPage } from './pages/ledger.tsx';
import { MetricsPage } from './pages/metrics.tsx';
import { QueuePage } from './pages/queue.tsx';
import { Link, match, useLocation } from './router.tsx';
import './styles.css';

function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api<Me>('/api/v1/me').then(
      (who) => {
        setCsrfToken(who.csrfToken);
        setMe(who);
      },
      (e: unknown) => (e instanceof ApiError && e.problem.status === 401 ? setMe(null) : setError(e)),
    );
  }, []);
  if (error) return <ErrorNote error={error} />;
  if (me === undefined) return <Loading />;
  if (me === null) return <SignIn />;
  return <Shell me={me} />;
}

function SignIn() {
  const { path, query } = useLocation();
  const failed = query.get('signin') === 'failed';
  const returnTo = path === '/' ? '/' : `${path}${window.location.search}`;
  return (
    <main className="signin">
      <h1>Writ</h1>
      <p>Governed response automation. Sign in to work the queue.</p>
      {failed ? (
        <p className="error" role="alert">
          Sign-in failed. Start again; if it keeps failing, ask your administrator.
        </p>
      ) : null}
      <a className="button primary" href={`/auth/login?returnTo=${encodeURIComponent(returnTo)}`}>
        Sign in with single sign-on
      </a>
    </main>
  );
}

function Shell({ me }: { me: Me }) {
  const { path } = useLocation();
  const signOut = async () => {
    const out = await api<{ endSessionUrl: string | null }>('/auth/logout', { method: 'POST' });
    window.location.assign(out.endSessionUrl ?? '/');
  };
  const nav: Array<[string, string, string]> = [
    ['/', 'Queue', 'case.list'],
    ['/approvals', 'Approvals', 'approval.list'],
    ['/campaigns', 'Campaigns', 'campaign.list'],
    ['/ledger', 'Ledger', 'ledger.read'],
    ['/metrics', 'Metrics', 'metrics.read'],
    ['/admin', 'Admin', 'token.list'],
  ];
  let page;
  let params: Record<string, string> | null;
  if ((params = match('/cases/:id', path))) page = <CasePage key={params.id} id={params.id!} me={me} />;
  else if ((params = match('/campaigns/:id', path))) page = <CampaignPage key={params.id} id={params.id!} me={me} />;
  else if ((params = match('/identities/:id', path))) page = <IdentityPage key={params.id} id={params.id!} me={me} />;
  else if (path === '/approvals') page = <ApprovalsPage me={me} />;
  else if (path === '/campaigns') page = <CampaignsPage />;
  else if (path === '/ledger') page = <LedgerPage />;
  else if (path === '/metrics') page = <MetricsPage />;
  else if (path === '/admin') page = <AdminPage />;
  else page = <QueuePage me={me} />;
  return (
    <>
      <header className="top">
        <Link to="/" className="brand">
          Writ
        </Link>
        <nav>
          {nav
            .filter(([, , action]) => me.permissions.includes(action))
            .map(([to, label]) => (
              <Link key={to} to={to} className={path === to ? 'active' : ''}>
                {label}
              </Link>
            ))}
        </nav>
        <span className="who" aria-label="signed in as">
          {me.name ?? me.actor} <span className="muted-light">({me.roles.map((r) => (me.elevated.includes(r) ? `${r}*` : r)).join(', ') || 'no roles'})</span>
        </span>
        {me.kind === 'person' ? (
          <button type="button" onClick={() => void signOut()}>
            Sign out
          </button>
        ) : null}
      </header>
      <IncidentBanner />
      <main>{page}</main>
    </>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
