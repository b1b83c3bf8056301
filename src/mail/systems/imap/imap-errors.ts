/**
 * IMAP failures as Writ errors, decided on codes, never on message text:
 * - the connection failed or dropped → WRIT_CONNECTOR_FAILED, retryable;
 * - the server said NO/BAD → WRIT_CONNECTOR_REFUSED (not retryable), except the
 *   response codes that mean "try later" (retryable) or "no such folder" (WRIT_NOT_FOUND);
 * - login refused → WRIT_CONNECTOR_REFUSED.
 */
import { WritError, isWritError } from '../../../errors/index.ts';

/** Error codes from imapflow and Node's socket layer that mean the connection is gone or never came. */
const CONNECTION_CODES = new Set([
  'NoConnection',
  'EConnectionClosed',
  'StateLogout',
  'ClosedAfterConnectText',
  'ClosedAfterConnectTLS',
  'CONNECT_TIMEOUT',
  'GREETING_TIMEOUT',
  'UPGRADE_TIMEOUT',
  'ETIMEOUT',
  'ETHROTTLE',
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** RFC 5530 response codes that say the failure is temporary. */
const TRANSIENT_RESPONSE_CODES = new Set(['UNAVAILABLE', 'INUSE', 'LIMIT']);
const MISSING_RESPONSE_CODES = new Set(['NONEXISTENT', 'TRYCREATE']);

export interface ImapErrorContext {
  operation: string;
  mailbox: string;
  folder?: string;
  /** Whether the connection is still usable after the failure. */
  connected: boolean;
}

interface ImapFlowErrorShape {
  code?: unknown;
  responseStatus?: unknown;
  serverResponseCode?: unknown;
  responseText?: unknown;
  authenticationFailed?: unknown;
  mailboxMissing?: unknown;
}

export function imapError(error: unknown, context: ImapErrorContext): WritError {
  if (isWritError(error)) return error;
  const shape: ImapFlowErrorShape = typeof error === 'object' && error !== null ? (error as ImapFlowErrorShape) : {};
  const code = typeof shape.code === 'string' ? shape.code : undefined;
  const status = typeof shape.responseStatus === 'string' ? shape.responseStatus : undefined;
  const serverCode = typeof shape.serverResponseCode === 'string' ? shape.serverResponseCode.toUpperCase() : undefined;
  const where = context.folder === undefined ? context.mailbox : `${context.mailbox}/${context.folder}`;
  const details: Record<string, unknown> = {
    mailbox: context.mailbox,
    ...(context.folder === undefined ? {} : { folder: context.folder }),
    operation: context.operation,
    ...(serverCode === undefined ? {} : { serverCode }),
    ...(code === undefined ? {} : { errorCode: code }),
    ...(typeof shape.responseText === 'string' ? { serverText: shape.responseText.slice(0, 200) } : {}),
  };
  const options = { details, cause: error };
  if (shape.authenticationFailed === true) {
    return new WritError('WRIT_CONNECTOR_REFUSED', `IMAP login for ${context.mailbox} was refused`, options);
  }
  if (status === 'NO' || status === 'BAD') {
    if (shape.mailboxMissing === true || (serverCode !== undefined && MISSING_RESPONSE_CODES.has(serverCode))) {
      return new WritError('WRIT_NOT_FOUND', `IMAP folder ${where} does not exist`, options);
    }
    if (serverCode !== undefined && TRANSIENT_RESPONSE_CODES.has(serverCode)) {
      return new WritError('WRIT_CONNECTOR_FAILED', `IMAP ${context.operation} on ${where} is temporarily unavailable`, options);
    }
    return new WritError('WRIT_CONNECTOR_REFUSED', `IMAP server refused ${context.operation} on ${where} (${serverCode ?? status})`, options);
  }
  if ((code !== undefined && CONNECTION_CODES.has(code)) || !context.connected) {
    return new WritError('WRIT_CONNECTOR_FAILED', `IMAP connection lost during ${context.operation} on ${where}`, options);
  }
  return new WritError('WRIT_CONNECTOR_FAILED', `IMAP ${context.operation} on ${where} failed unexpectedly`, { ...options, retryable: false });
}
