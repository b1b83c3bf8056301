/**
 * Mail systems: the connectors the executor calls to search every mailbox for a campaign
 * and to quarantine and restore its messages. Maildir (folders on disk) is the embedded
 * default; IMAP reaches any server through an admin (master user) login.
 *
 * Idempotency rests on the mail system's own state, not on memory: a quarantine finds the
 * message where it is (its folder, or quarantine) and moves it only if it is still out, so
 * a retry, or a re-run after a crash of Writ or of the server, moves nothing twice and
 * returns an equal record. The idempotency key names one message: reusing it for another
 * is refused (WRIT_CONFLICT).
 */
export type {
  MailSystem,
  MessageCriteria,
  MessageHit,
  MessageRef,
  QuarantineOutcome,
  QuarantineRecord,
  QuarantineRequest,
  RestoreOutcome,
  SearchOptions,
} from './mail-system.ts';
export { MaildirSystem, compileMaildirOptions, type MaildirOptions } from './maildir/index.ts';
export { ImapSystem, compileImapOptions, MOVING_KEYWORD, type ImapOptions } from './imap/index.ts';
export { GraphSystem, compileGraphOptions, GRAPH_MAILBOX_BUDGET, GRAPH_MAILBOX_CONCURRENCY, type GraphOptions } from './graph/index.ts';
export type { RetryPolicy } from './retry.ts';
export { normaliseMessageId } from './message-headers.ts';
