/**
 * The one catalogue of Writ's error codes. Every error a user can see has a stable
 * code here, an HTTP status for the API (RFC 9457 problem+json) and a short title.
 * The CLI prints `code: message`; the API maps `status` and `title`.
 * Whether a failure is worth retrying is data on the entry, not a choice of class.
 */
export const ERRORS = {
  WRIT_CONFIG_INVALID: { status: 500, title: 'Configuration is invalid', retryable: false },
  WRIT_INPUT_INVALID: { status: 400, title: 'Input is invalid', retryable: false },
  WRIT_NOT_FOUND: { status: 404, title: 'Not found', retryable: false },
  WRIT_CONFLICT: { status: 409, title: 'Conflict with the current state', retryable: false },
  WRIT_FORBIDDEN: { status: 403, title: 'Not allowed', retryable: false },
  WRIT_UNAUTHENTICATED: { status: 401, title: 'Authentication required', retryable: false },
  WRIT_LIMIT_EXCEEDED: { status: 413, title: 'A configured limit was exceeded', retryable: false },
  WRIT_STORE_UNAVAILABLE: { status: 503, title: 'The database is unavailable', retryable: true },
  WRIT_STORE_CORRUPT: { status: 500, title: 'The database file is not a Writ database', retryable: false },
  WRIT_KEY_UNREADABLE: { status: 500, title: 'The signing key cannot be read', retryable: false },
  WRIT_LEDGER_INVALID: { status: 500, title: 'The ledger failed verification', retryable: false },
  WRIT_LEDGER_RANGE: { status: 400, title: 'Index outside the ledger', retryable: false },
  WRIT_EXPORT_INVALID: { status: 400, title: 'The ledger export is malformed', retryable: false },
  WRIT_JOB_FAILED: { status: 500, title: 'A job failed', retryable: true },
  WRIT_POLICY_INVALID: { status: 422, title: 'The policy set is invalid', retryable: false },
  WRIT_POLICY_DENIED: { status: 403, title: 'Policy denied the action', retryable: false },
  WRIT_ACTION_UNKNOWN: { status: 400, title: 'Unknown action type', retryable: false },
  WRIT_ACTION_PARAMS_INVALID: { status: 400, title: 'Action parameters are invalid', retryable: false },
  WRIT_ACTION_STATE: { status: 409, title: 'The action is not in a state that allows this', retryable: false },
  WRIT_APPROVAL_INVALID: { status: 409, title: 'The approval is not valid for this action', retryable: false },
  WRIT_SEPARATION_OF_DUTIES: { status: 403, title: 'Separation of duties forbids this', retryable: false },
  WRIT_GRANT_INVALID: { status: 403, title: 'The grant is not valid', retryable: false },
  WRIT_CONNECTOR_FAILED: { status: 502, title: 'A connector failed', retryable: true },
  WRIT_CONNECTOR_REFUSED: { status: 502, title: 'A connector refused the request', retryable: false },
  WRIT_CASE_NOT_CLOSABLE: { status: 409, title: 'The case closure criteria are not met', retryable: false },
  WRIT_INCIDENT_INVALID: { status: 409, title: 'The incident request is invalid', retryable: false },
  WRIT_MAIL_INVALID: { status: 422, title: 'The message cannot be parsed', retryable: false },
  WRIT_INTERNAL: { status: 500, title: 'Internal error', retryable: false },
} as const satisfies Record<string, { status: number; title: string; retryable: boolean }>;

export type ErrorCode = keyof typeof ERRORS;
