import { useEffect, useState } from 'react';
import type { Incident } from '../api.ts';
import { duration } from '../format.ts';
import { useApi } from '../live.ts';

/** Major-incident mode: always visible while it lasts, with its scope and a countdown. */
export function IncidentBanner() {
  const { data } = useApi<{ incident: Incident | null; now: number }>('/api/v1/incidents/active', (e) => e.kind.startsWith('incident.'));
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, []);
  const incident = data?.incident;
  if (!incident || incident.expiresAt <= now) return null;
  const elevated = incident.scope.elevatedAccess ?? [];
  return (
    <div className="incident-banner" role="alert" aria-label="major incident">
      <strong>MAJOR INCIDENT</strong>
      <span className="scope">{incident.scope.summary}</span>
      <span>
        declared by <code>{incident.declaredBy}</code>
      </span>
      <span className="countdown" title={new Date(incident.expiresAt).toISOString()}>
        authority ends in {duration(incident.expiresAt - now)}
      </span>
      {elevated.length > 0 ? (
        <span className="muted-light">
          elevated: {elevated.map((a) => `${a.user} → ${a.role}`).join(', ')}
        </span>
      ) : null}
    </div>
  );
}
