import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { WritError } from '../errors/index.ts';
import type { ApiAction } from './api-actions.ts';
import { ANONYMOUS, type Caller } from './caller.ts';
import { problemSchema } from './schemas.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's action for authorisation; absent: a public route. */
    action?: ApiAction;
  }
  interface FastifyRequest {
    caller: Caller | null;
  }
}

type AnyZod = z.ZodType;
type Empty = z.ZodObject<Record<string, never>>;

export interface RouteSpec<P extends AnyZod, Q extends AnyZod, B extends AnyZod, R extends AnyZod> {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  /** null: public, no authentication. */
  action: ApiAction | null;
  summary: string;
  tags: string[];
  description?: string;
  params?: P;
  query?: Q;
  body?: B;
  response: R;
  /** The success status (default 200). */
  status?: number;
  bodyLimit?: number;
  rateLimit?: { max: number; timeWindow: number };
  handle(input: { params: z.output<P>; query: z.output<Q>; body: z.output<B>; caller: Caller; request: FastifyRequest; reply: FastifyReply }): Promise<z.input<R>>;
}

export interface RouteKitOptions {
  /** Check every response against its schema (tests): a mismatch becomes a 500 naming the field. */
  checkResponses: boolean;
}

const PROBLEM_CODES = ['400', '401', '403', '404', '409', '413', '422', '429', '500'] as const;

/** Registers one route with its schemas, its action and its OpenAPI description. */
export function addRoute<P extends AnyZod = Empty, Q extends AnyZod = Empty, B extends AnyZod = Empty, R extends AnyZod = AnyZod>(
  server: FastifyInstance,
  kit: RouteKitOptions,
  spec: RouteSpec<P, Q, B, R>,
): void {
  const status = spec.status ?? 200;
  const response: Record<string, unknown> = { [String(status)]: spec.response };
  for (const code of PROBLEM_CODES) response[code] = problemSchema;
  server.route({
    method: spec.method,
    url: spec.url,
    ...(spec.bodyLimit ? { bodyLimit: spec.bodyLimit } : {}),
    config: { ...(spec.action ? { action: spec.action } : {}), ...(spec.rateLimit ? { rateLimit: spec.rateLimit } : {}) },
    schema: {
      summary: spec.summary,
      ...(spec.description ? { description: spec.description } : {}),
      tags: spec.tags,
      ...(spec.action ? { security: [{ session: [] }, { bearer: [] }], 'x-writ-action': spec.action } : { security: [] }),
      ...(spec.params ? { params: spec.params } : {}),
      ...(spec.query ? { querystring: spec.query } : {}),
      ...(spec.body ? { body: spec.body } : {}),
      response,
    },
    handler: async (request, reply) => {
      const out = await spec.handle({
        params: request.params as z.output<P>,
        query: request.query as z.output<Q>,
        body: request.body as z.output<B>,
        caller: request.caller ?? ANONYMOUS,
        request,
        reply,
      });
      if (reply.sent || (out as unknown) === reply) return reply;
      if (kit.checkResponses) {
        const checked = spec.response.safeParse(out);
        if (!checked.success) {
          const issue = checked.error.issues[0];
          throw new WritError('WRIT_INTERNAL', `response of ${spec.method} ${spec.url} does not match its schema at ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`);
        }
      }
      void reply.status(status);
      return out;
    },
  });
}
