import { ERRORS, type ErrorCode } from './catalogue.ts';

export interface WritErrorOptions {
  /** Structured facts safe to show a user (never secrets). */
  details?: Record<string, unknown>;
  cause?: unknown;
  /** Overrides the catalogue's default when a particular failure is (not) worth a retry. */
  retryable?: boolean;
}

/** The one error type users see. `code` is stable; `message` is one line a person can act on. */
export class WritError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: WritErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WritError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.retryable = options.retryable ?? ERRORS[code].retryable;
    this.details = options.details;
  }
}

export function isWritError(value: unknown, code?: ErrorCode): value is WritError {
  return value instanceof WritError && (code === undefined || value.code === code);
}

/** One line for a terminal: the code and the message, no stack. */
export function describeForCli(error: unknown): string {
  if (error instanceof WritError) return `${error.code}: ${firstLine(error.message)}`;
  if (error instanceof Error) return `WRIT_INTERNAL: ${firstLine(error.message)}`;
  return `WRIT_INTERNAL: ${firstLine(String(error))}`;
}

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance?: string;
  [extension: string]: unknown;
}

/** RFC 9457 problem details for the API. Unknown errors never leak their message. */
export function toProblem(error: unknown, instance?: string): ProblemDetails {
  const known = error instanceof WritError ? error : undefined;
  const code: ErrorCode = known?.code ?? 'WRIT_INTERNAL';
  const entry = ERRORS[code];
  return {
    type: `https://writ.dev/errors/${code}`,
    title: entry.title,
    status: entry.status,
    detail: known ? firstLine(known.message) : 'An internal error occurred; see the server log.',
    code,
    ...(instance === undefined ? {} : { instance }),
    ...(known?.details ?? {}),
  };
}

function firstLine(text: string): string {
  const line = text.split(/\r?\n/, 1)[0] ?? '';
  return line.length > 500 ? `${line.slice(0, 497)}...` : line;
}
