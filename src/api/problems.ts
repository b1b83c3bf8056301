import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { WritError, toProblem, type ErrorCode } from '../errors/index.ts';

/**
 * Every error leaves as RFC 9457 problem+json with a stable WRIT code, including Fastify's
 * own (validation, body too large, bad JSON, unknown route) and the rate limiter's. Unknown
 * errors never leak their message.
 */
export function sendProblem(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { code, status, message } = classify(error);
  const known = error instanceof WritError ? error : new WritError(code, message);
  const problem = toProblem(code === 'WRIT_INTERNAL' && !(error instanceof WritError) ? error : known, request.url.split('?')[0]);
  if (status >= 500) request.log.error({ err: error }, 'request failed');
  return reply
    .status(status)
    .header('cache-control', 'no-store')
    .type('application/problem+json')
    .send({ ...problem, status });
}

function classify(error: unknown): { code: ErrorCode; status: number; message: string } {
  if (error instanceof WritError) return { code: error.code, status: error.status, message: error.message };
  const e = error as Partial<FastifyError> & { statusCode?: number };
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { code: 'WRIT_LIMIT_EXCEEDED', status: 413, message: 'the request body is larger than this route accepts' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { code: 'WRIT_INPUT_INVALID', status: 415, message: 'this route does not accept that content type (JSON routes take application/json; reports take message/rfc822)' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { code: 'WRIT_INPUT_INVALID', status: 400, message: 'the JSON body is empty' };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { code: 'WRIT_INPUT_INVALID', status: 400, message: 'the body is not valid JSON' };
    case 'FST_ERR_VALIDATION':
      return { code: 'WRIT_INPUT_INVALID', status: 400, message: e.message ?? 'the request is invalid' };
    default:
      break;
  }
  if (status === 429) return { code: 'WRIT_LIMIT_EXCEEDED', status: 429, message: 'too many requests; slow down and retry later' };
  if (status === 404) return { code: 'WRIT_NOT_FOUND', status: 404, message: 'no such route' };
  if (status === 413) return { code: 'WRIT_LIMIT_EXCEEDED', status: 413, message: 'the request is too large' };
  if (status >= 400 && status < 500) {
    // A body Fastify could not parse (bad JSON raises a SyntaxError with status 400), a bad header.
    return { code: 'WRIT_INPUT_INVALID', status, message: e instanceof SyntaxError ? 'the body is not valid JSON' : 'the request is malformed' };
  }
  return { code: 'WRIT_INTERNAL', status: 500, message: 'internal error' };
}
