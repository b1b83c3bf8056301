import type { ReactNode } from 'react';
import { ApiError } from '../api.ts';

export function Badge({ kind, children, title }: { kind: string; children: ReactNode; title?: string }) {
  return (
    <span className={`badge badge-${kind.replace(/[^a-z0-9_-]/gi, '')}`} title={title}>
      {children}
    </span>
  );
}

export function Section({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <section className="panel" aria-label={title}>
      <header className="panel-head">
        <h2>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const text = error instanceof ApiError ? `${error.problem.detail} (${error.problem.code})` : String(error);
  return (
    <p className="error" role="alert">
      {text}
    </p>
  );
}

export function Loading() {
  return <p className="muted">Loading…</p>;
}

export function Json({ value }: { value: unknown }) {
  return <pre className="json">{JSON.stringify(value, null, 2)}</pre>;
}
