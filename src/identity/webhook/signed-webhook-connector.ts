import { createHash, randomUUID } from 'node:crypto';
import { WritError } from '../../errors/index.ts';
import {
  buildEvidence,
  type ConnectorOperation,
  type Evidence,
  type ExecuteOutcome,
  type IdentityConnector,
  type OperationTraits,
} from '../connector-contract.ts';
import { webhookHeaders, webhookKey } from './webhook-signature.ts';

/**
 * Any identity action, for a system without its own connector: `kind` is the action
 * (`revoke_token`, `disable_account`, `rotate_secret`, …), `target` the remote account.
 */
export type WebhookOperation = ConnectorOperation;

export interface WebhookResult {
  operation: string;
  target: string;
  /** The `webhook-id`: the same on every retry of the same operation with the same `ref`. */
  deliveryId: string;
  httpStatus: number;
  /** What the receiver said it did (`applied`, `accepted`, …), when it said. */
  receiverState?: string;
  at: string;
}

export interface SignedWebhookConnectorOptions {
  /** The receiver's endpoint. */
  url: string;
  /** `whsec_…` shared with the receiver. Never logged, never part of a result. */
  secret: string;
  timeoutMs?: number;
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
  now?: () => number;
}

/**
 * Signed outbound webhooks (Standard Webhooks v1, see webhook-signature.ts) as a
 * connector. The body is `{ type: "writ.identity.<kind>", timestamp, data: { target,
 * params, ref } }`. The receiver answers 2xx, optionally with JSON `{ "state": "applied" }`.
 * Read-back is a signed `writ.identity.verify` message answered `{ "state": "applied" }`;
 * undo is a signed `writ.identity.undo` message. A receiver that does not support them
 * answers 404 or 501, and the evidence says there is no read-back.
 */
export class SignedWebhookConnector implements IdentityConnector<WebhookOperation, WebhookResult> {
  readonly name = 'webhook';
  readonly #url: URL;
  readonly #secret: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;

  constructor(options: SignedWebhookConnectorOptions) {
    this.#url = new URL(options.url);
    if (this.#url.protocol !== 'https:' && this.#url.protocol !== 'http:') throw new WritError('WRIT_CONFIG_INVALID', 'webhook url must be http(s)');
    webhookKey(options.secret); // validate now, not at the first delivery
    this.#secret = options.secret;
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#fetch = options.fetch ?? fetch;
    this.#now = options.now ?? Date.now;
  }

  traits(op: WebhookOperation): OperationTraits {
    return { reversible: false, revokes: op.kind === 'revoke_token' || op.kind === 'disable_account', issuesSecret: false };
  }

  async execute(op: WebhookOperation): Promise<ExecuteOutcome<WebhookResult>> {
    checkOp(op);
    const deliveryId = op.ref ? `msg_${createHash('sha256').update(`${op.kind}\u0000${op.target}\u0000${op.ref}`).digest('hex').slice(0, 32)}` : `msg_${randomUUID().replace(/-/g, '')}`;
    const reply = await this.#send(op, `writ.identity.${op.kind}`, deliveryId, { target: op.target, params: op.params ?? {}, ...(op.ref ? { ref: op.ref } : {}) });
    const result: WebhookResult = {
      operation: op.kind,
      target: op.target,
      deliveryId,
      httpStatus: reply.status,
      ...(reply.state ? { receiverState: reply.state } : {}),
      at: new Date(this.#now()).toISOString(),
    };
    const evidence = buildEvidence(this.name, op, [
      { name: 'delivered', ok: true, detail: `receiver answered HTTP ${reply.status} to ${deliveryId}` },
      { name: 'receiver_applied', ok: reply.state === 'applied', detail: reply.state ? `receiver reports state ${reply.state}` : 'receiver reported no state' },
    ]);
    return { result, evidence };
  }

  async verify(op: WebhookOperation, result?: WebhookResult): Promise<Evidence> {
    checkOp(op);
    if (!result) return buildEvidence(this.name, op, [{ name: 'receiver_applied', ok: false, detail: 'no delivery to ask about' }]);
    try {
      const reply = await this.#send(op, 'writ.identity.verify', `msg_${randomUUID().replace(/-/g, '')}`, { delivery_id: result.deliveryId, operation: op.kind, target: op.target });
      return buildEvidence(this.name, op, [
        { name: 'receiver_applied', ok: reply.state === 'applied', detail: reply.state ? `receiver reports ${result.deliveryId} ${reply.state}` : 'receiver reported no state' },
      ]);
    } catch (error) {
      if (error instanceof WritError && (error.details?.httpStatus === 404 || error.details?.httpStatus === 501)) {
        return buildEvidence(this.name, op, [{ name: 'receiver_applied', ok: false, detail: 'the receiver offers no read-back (HTTP 404/501 to writ.identity.verify)' }]);
      }
      throw error;
    }
  }

  async undo(op: WebhookOperation, result?: WebhookResult): Promise<ExecuteOutcome<WebhookResult>> {
    checkOp(op);
    if (!result) throw new WritError('WRIT_CONNECTOR_REFUSED', `webhook undo ${op.kind} on ${op.target}: no delivery to undo`);
    const deliveryId = `msg_${createHash('sha256').update(`undo\u0000${result.deliveryId}`).digest('hex').slice(0, 32)}`;
    const reply = await this.#send(op, 'writ.identity.undo', deliveryId, { delivery_id: result.deliveryId, operation: op.kind, target: op.target });
    const undone: WebhookResult = { operation: op.kind, target: op.target, deliveryId, httpStatus: reply.status, ...(reply.state ? { receiverState: reply.state } : {}), at: new Date(this.#now()).toISOString() };
    return { result: undone, evidence: buildEvidence(this.name, op, [{ name: 'undo_delivered', ok: true, detail: `receiver answered HTTP ${reply.status}${reply.state ? `, state ${reply.state}` : ''}` }]) };
  }

  async close(): Promise<void> {}

  async #send(op: WebhookOperation, type: string, id: string, data: Record<string, unknown>): Promise<{ status: number; state?: string }> {
    const body = JSON.stringify({ type, timestamp: new Date(this.#now()).toISOString(), data });
    let response: Response;
    try {
      response = await this.#fetch(this.#url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'writ-webhook/1', ...webhookHeaders(id, body, this.#secret, this.#now()) },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      const timedOut = (error as { name?: string }).name === 'TimeoutError';
      throw new WritError('WRIT_CONNECTOR_FAILED', `webhook ${type} for ${op.target} to ${this.#url.host} ${timedOut ? `timed out after ${this.#timeoutMs} ms` : 'could not be delivered'}; whether the receiver acted is unknown`, {
        details: { connector: 'webhook', operation: op.kind, target: op.target, deliveryId: id, applied: 'unknown' },
        retryable: true,
      });
    }
    const text = await response.text().catch(() => '');
    if (!response.ok) {
      const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
      throw new WritError(
        retryable ? 'WRIT_CONNECTOR_FAILED' : 'WRIT_CONNECTOR_REFUSED',
        retryable
          ? `webhook ${type} for ${op.target}: receiver failed with HTTP ${response.status}; whether it changed anything is for the receiver to say (retry with the same webhook-id)`
          : `webhook ${type} for ${op.target}: receiver refused with HTTP ${response.status}; it applied nothing, so the credential is as it was`,
        { details: { connector: 'webhook', operation: op.kind, target: op.target, deliveryId: id, httpStatus: response.status, applied: retryable ? 'unknown' : false }, retryable },
      );
    }
    return { status: response.status, ...stateOf(text) };
  }
}

function stateOf(text: string): { state?: string } {
  try {
    const value = JSON.parse(text) as { state?: unknown };
    return typeof value?.state === 'string' ? { state: value.state.slice(0, 64) } : {};
  } catch {
    return {};
  }
}

function checkOp(op: WebhookOperation): void {
  if (!/^[a-z][a-z0-9_]{0,63}$/.test(op.kind)) throw new WritError('WRIT_INPUT_INVALID', 'webhook: operation kind must be a lower-case action name');
  if (op.target === '') throw new WritError('WRIT_INPUT_INVALID', 'webhook: target is required');
}
