import { BarChart, LineChart, ShareDonut } from '../components/charts.tsx';
import { ErrorNote, Loading, Section } from '../components/common.tsx';
import { duration } from '../format.ts';
import { useApi } from '../live.ts';

interface Metrics {
  windowHours: number;
  queue: { open: number; breached: number; bySeverity: Record<string, number> };
  queueOverTime: Array<{ at: number; open: number }>;
  resolution: { closed: number; withoutAnalyst: number; share: number | null };
  approvalsWaiting: number;
  overrides: { total: number; inWindow: number };
  rollbacks: { total: number; inWindow: number };
  timeToContain: { count: number; medianMs: number | null; p90Ms: number | null };
  decisions: Record<string, number>;
}

export function MetricsPage() {
  const { data, error } = useApi<Metrics>('/api/v1/metrics?hours=24', (e) => e.kind.startsWith('case.') || e.kind.startsWith('action.') || e.kind.startsWith('approval.'));
  if (error) return <ErrorNote error={error} />;
  if (!data) return <Loading />;
  const unit = (data.timeToContain.p90Ms ?? 0) >= 120_000 ? { name: 'minutes', short: 'min', ms: 60_000 } : { name: 'seconds', short: 's', ms: 1000 };
  return (
    <div className="metrics">
      <Section title={`Analyst queue, last ${data.windowHours} h`}>
        <p>
          <strong>{data.queue.open}</strong> open, <strong className={data.queue.breached > 0 ? 'breached' : ''}>{data.queue.breached}</strong> past their SLA.
        </p>
        <LineChart points={data.queueOverTime.map((p) => ({ at: p.at, value: p.open }))} label="open cases over time" />
      </Section>
      <Section title="Resolved without an analyst">
        <ShareDonut share={data.resolution.share} label="share of cases resolved without an analyst" />
        <p className="muted">
          {data.resolution.withoutAnalyst} of {data.resolution.closed} cases closed in the window were never touched by a person.
        </p>
      </Section>
      <Section title="Time to contain">
        <BarChart
          label={`time to contain in ${unit.name}`}
          bars={[
            { name: `median (${unit.short})`, value: Math.round((data.timeToContain.medianMs ?? 0) / unit.ms) },
            { name: `p90 (${unit.short})`, value: Math.round((data.timeToContain.p90Ms ?? 0) / unit.ms) },
          ]}
        />
        <p className="muted">
          {data.timeToContain.count} containments; median {data.timeToContain.medianMs === null ? '—' : duration(data.timeToContain.medianMs)}.
        </p>
      </Section>
      <Section title="Approvals, overrides, rollbacks">
        <BarChart
          label="approvals waiting, overrides and rollbacks"
          bars={[
            { name: 'approvals waiting', value: data.approvalsWaiting, kind: 'warn' },
            { name: 'overrides (window)', value: data.overrides.inWindow, kind: 'bad' },
            { name: 'rollbacks (window)', value: data.rollbacks.inWindow, kind: 'bad' },
            ...Object.entries(data.decisions).map(([name, value]) => ({ name: `decided ${name}`, value })),
          ]}
        />
      </Section>
    </div>
  );
}
