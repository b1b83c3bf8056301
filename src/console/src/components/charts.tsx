/** Small SVG charts: no library, no inline styles, just shapes the stylesheet colours. */

export function LineChart({ points, label, width = 560, height = 160 }: { points: Array<{ at: number; value: number }>; label: string; width?: number; height?: number }) {
  const pad = 28;
  const max = Math.max(1, ...points.map((p) => p.value));
  const first = points[0]?.at ?? 0;
  const last = points[points.length - 1]?.at ?? 1;
  const x = (t: number) => pad + ((t - first) / Math.max(1, last - first)) * (width - 2 * pad);
  const y = (v: number) => height - pad - (v / max) * (height - 2 * pad);
  const d = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
  return (
    <svg className="chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
      <line className="axis" x1={pad} y1={height - pad} x2={width - pad} y2={height - pad} />
      <line className="axis" x1={pad} y1={pad} x2={pad} y2={height - pad} />
      <text className="tick" x={pad - 4} y={pad + 4} textAnchor="end">
        {max}
      </text>
      <text className="tick" x={pad - 4} y={height - pad} textAnchor="end">
        0
      </text>
      <path className="line" d={d} />
      {points.map((p) => (
        <circle key={p.at} className="dot" cx={x(p.at)} cy={y(p.value)} r={2.5}>
          <title>{`${new Date(p.at).toISOString().slice(11, 16)}Z: ${p.value}`}</title>
        </circle>
      ))}
    </svg>
  );
}

export function BarChart({ bars, label, width = 560 }: { bars: Array<{ name: string; value: number; kind?: string }>; label: string; width?: number }) {
  const row = 26;
  const left = 190;
  const height = bars.length * row + 8;
  const max = Math.max(1, ...bars.map((b) => b.value));
  return (
    <svg className="chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
      {bars.map((b, i) => (
        <g key={b.name} transform={`translate(0 ${i * row + 4})`}>
          <text className="bar-label" x={left - 8} y={16} textAnchor="end">
            {b.name}
          </text>
          <rect className={`bar ${b.kind ?? ''}`} x={left} y={3} height={18} width={Math.max(2, (b.value / max) * (width - left - 60))} />
          <text className="bar-value" x={left + Math.max(2, (b.value / max) * (width - left - 60)) + 6} y={16}>
            {b.value}
          </text>
        </g>
      ))}
    </svg>
  );
}

export function ShareDonut({ share, label }: { share: number | null; label: string }) {
  const r = 46;
  const c = 2 * Math.PI * r;
  const value = share ?? 0;
  return (
    <svg className="chart donut" viewBox="0 0 120 120" role="img" aria-label={label}>
      <circle className="donut-track" cx={60} cy={60} r={r} />
      <circle className="donut-value" cx={60} cy={60} r={r} strokeDasharray={`${(value * c).toFixed(1)} ${c.toFixed(1)}`} transform="rotate(-90 60 60)" />
      <text className="donut-text" x={60} y={66} textAnchor="middle">
        {share === null ? '—' : `${Math.round(value * 100)}%`}
      </text>
    </svg>
  );
}
