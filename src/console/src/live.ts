import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from './api.ts';

export interface LedgerEvent {
  seq: number;
  kind: string;
  actor: string;
  case: string | null;
  campaign: string | null;
  identity: string | null;
  action: string | null;
}

type Listener = (event: LedgerEvent) => void;
const listeners = new Set<Listener>();
let source: EventSource | null = null;

/** One EventSource for the whole console; it reconnects (with Last-Event-ID) by itself. */
function connect(): void {
  if (source) return;
  source = new EventSource('/api/v1/events');
  source.addEventListener('ledger', (message) => {
    const event = JSON.parse((message as MessageEvent<string>).data) as LedgerEvent;
    listeners.forEach((l) => l(event));
  });
}

export function useLedgerEvents(listener: Listener): void {
  const ref = useRef(listener);
  ref.current = listener;
  useEffect(() => {
    connect();
    const wrapped: Listener = (e) => ref.current(e);
    listeners.add(wrapped);
    return () => {
      listeners.delete(wrapped);
    };
  }, []);
}

export interface Loaded<T> {
  data: T | undefined;
  error: Error | undefined;
  reload: () => void;
}

/**
 * Loads `path` and reloads it when a ledger event passes `relevant` (debounced), so pages
 * follow what happens without polling.
 */
export function useApi<T>(path: string | null, relevant: (event: LedgerEvent) => boolean = () => true): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: Error }>({});
  const [version, setVersion] = useState(0);
  const reload = useCallback(() => setVersion((v) => v + 1), []);
  const timer = useRef<number | undefined>(undefined);
  useLedgerEvents((event) => {
    if (!relevant(event)) return;
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(reload, 250);
  });
  // A slower, older load never replaces a newer answer, but a load is not thrown away just
  // because another started: on a busy page the newest finished answer always shows.
  const shown = useRef({ path, version: -1 });
  const current = useRef(path);
  current.current = path;
  useEffect(() => {
    if (path === null) return;
    const mine = version;
    api<T>(path).then(
      (data) => {
        if (current.current !== path || (shown.current.path === path && mine < shown.current.version)) return;
        shown.current = { path, version: mine };
        setState({ data });
      },
      (error: Error) => current.current === path && setState((s) => ({ ...s, error })),
    );
  }, [path, version]);
  return { data: state.data, error: state.error, reload };
}
