/**
 * Graph's per-mailbox limits, kept on the client side so the service rarely has to
 * throttle: at most N requests in flight per mailbox, at most B requests per sliding
 * window per mailbox, nothing sent to a mailbox while a Retry-After it was given is
 * pending, and at most M requests in flight overall.
 *
 * The budget is counted conservatively: a request takes its place in the window when it
 * is sent and keeps it until one window after its answer arrived. Graph counts a request
 * when it arrives, which is after it was sent and before its answer, so a window that is
 * full here is never over-full there.
 */
import { WritError } from '../../../errors/index.ts';
import { Semaphore } from '../concurrency.ts';

export interface MailboxLimitOptions {
  mailboxConcurrency: number;
  mailboxBudget: Readonly<{ requests: number; windowMs: number }>;
  /** A wait longer than this is not waited for: the request fails as retryable, saying how long to wait. */
  maxWaitMs: number;
}

interface MailboxState {
  readonly slots: Semaphore;
  /** performance.now() before which nothing is sent to this mailbox. */
  blockedUntil: number;
  inFlight: number;
  /** When the answers of recent requests arrived, oldest first. */
  readonly completions: number[];
}

const RECHECK = Symbol('recheck');

export class MailboxLimits {
  readonly #options: MailboxLimitOptions;
  readonly #global: Semaphore;
  readonly #signal: AbortSignal;
  readonly #states = new Map<string, MailboxState>();

  constructor(options: MailboxLimitOptions, global: Semaphore, signal: AbortSignal) {
    this.#options = options;
    this.#global = global;
    this.#signal = signal;
  }

  /** Runs `send` for `mailbox` once the mailbox's limits and the global bound allow it. */
  async run<T>(mailbox: string, send: () => Promise<T>): Promise<T> {
    const state = this.#state(mailbox);
    return state.slots.run(async () => {
      for (;;) {
        const wait = this.#waitFor(state);
        if (wait > 0) {
          if (wait > this.#options.maxWaitMs) {
            throw new WritError('WRIT_CONNECTOR_FAILED', `Graph asks to wait ${Math.ceil(wait / 1000)} s before the next request to ${mailbox || 'the directory'}`, {
              details: { ...(mailbox === '' ? {} : { mailbox }), retryAfterMs: Math.ceil(wait) },
            });
          }
          await sleep(wait, this.#signal);
          continue;
        }
        const outcome = await this.#global.run(async () => {
          // A throttled answer may have come in while this one waited for a global slot.
          if (this.#waitFor(state) > 0) return RECHECK;
          state.inFlight += 1;
          try {
            return { value: await send() };
          } finally {
            state.inFlight -= 1;
            state.completions.push(performance.now());
          }
        });
        if (outcome !== RECHECK) return outcome.value;
      }
    });
  }

  /** Sends nothing to `mailbox` for `ms` (a Retry-After, or a back-off when Graph gave none). */
  block(mailbox: string, ms: number): void {
    const state = this.#state(mailbox);
    state.blockedUntil = Math.max(state.blockedUntil, performance.now() + ms);
  }

  #waitFor(state: MailboxState): number {
    const now = performance.now();
    const { requests, windowMs } = this.#options.mailboxBudget;
    while (state.completions.length > 0 && (state.completions[0] ?? now) <= now - windowMs) state.completions.shift();
    const oldest = state.completions[0];
    const budgetWait = state.completions.length + state.inFlight >= requests && oldest !== undefined ? oldest + windowMs - now : 0;
    return Math.max(state.blockedUntil - now, budgetWait, 0);
  }

  #state(mailbox: string): MailboxState {
    let state = this.#states.get(mailbox);
    if (state === undefined) {
      state = { slots: new Semaphore(this.#options.mailboxConcurrency), blockedUntil: 0, inFlight: 0, completions: [] };
      this.#states.set(mailbox, state);
    }
    return state;
  }
}

/** Resolves after `ms`, or rejects (as the connector closing) when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(closedError());
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(closedError());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(1, Math.ceil(ms)));
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function closedError(): WritError {
  return new WritError('WRIT_CONNECTOR_REFUSED', 'the Graph connector is closed');
}
