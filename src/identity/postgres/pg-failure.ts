import { WritError } from '../../errors/index.ts';
import type { ConnectorOperation } from '../connector-contract.ts';

const RETRYABLE_STATES = new Set(['55P03', '57014', '40001', '40P01', '53300', '57P01', '57P02', '57P03']);
const RETRYABLE_NET = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'EPIPE']);

/** A PostgreSQL error as a WritError: refused (privilege), not found, or failed (retryable when transient). */
export function pgFailure(op: ConnectorOperation, error: unknown, state: string, details: Record<string, unknown>): WritError {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message.split('\n', 1)[0]!.slice(0, 200) : 'unknown error';
  const text = `postgres ${op.kind} on role ${op.target} failed (${code ?? 'no SQLSTATE'}: ${message}); ${state}`;
  const all = { connector: 'postgres', operation: op.kind, target: op.target, sqlstate: code ?? null, ...details };
  if (code === '42501') return new WritError('WRIT_CONNECTOR_REFUSED', text, { cause: error, details: all });
  if (code === '42704') return new WritError('WRIT_NOT_FOUND', text, { cause: error, details: all });
  // No code at all: the client gave up (connect or query timeout, dropped connection).
  const transient = code === undefined || RETRYABLE_STATES.has(code) || code.startsWith('08') || RETRYABLE_NET.has(code);
  return new WritError('WRIT_CONNECTOR_FAILED', text, { cause: error, details: all, retryable: transient });
}

