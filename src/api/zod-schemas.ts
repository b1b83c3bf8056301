import { z } from 'zod';
import { WritError } from '../errors/index.ts';

/**
 * Zod schemas drive both sides of the HTTP contract: Fastify validates requests with them
 * (no coercion of JSON bodies, unknown keys refused by strict objects), and the OpenAPI
 * document is generated from them (JSON Schema 2020-12, which OpenAPI 3.1 uses).
 */
export function isZod(value: unknown): value is z.ZodType {
  return value instanceof z.ZodType;
}

const PART_NAMES: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' };

/** Fastify's validator compiler for zod schemas; anything else passes through untouched. */
export function zodValidatorCompiler({ schema, httpPart }: { schema: unknown; httpPart?: string }) {
  if (!isZod(schema)) return (data: unknown) => ({ value: data });
  const part = PART_NAMES[httpPart ?? ''] ?? httpPart ?? 'request';
  return (data: unknown) => {
    const result = schema.safeParse(data);
    if (result.success) return { value: result.data };
    return { error: inputError(result.error, part) };
  };
}

export function inputError(error: z.ZodError, part: string): WritError {
  const issues = error.issues.slice(0, 10).map((issue) => ({ path: [part, ...issue.path.map(String)].join('.'), message: issue.message }));
  const first = issues[0];
  return new WritError('WRIT_INPUT_INVALID', first ? `${first.path}: ${first.message}` : `${part} is invalid`, { details: { errors: issues } });
}

/** JSON Schema for the OpenAPI document. */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

/** @fastify/swagger's transform: route schemas written in zod become JSON Schema. */
export function zodSwaggerTransform({ schema, url }: { schema: Record<string, unknown> | undefined; url: string }) {
  if (!schema) return { schema, url };
  const out: Record<string, unknown> = { ...schema };
  for (const key of ['params', 'querystring', 'body', 'headers']) {
    const part = schema[key];
    if (isZod(part)) out[key] = jsonSchemaOf(part, 'input');
  }
  const response = schema.response as Record<string, unknown> | undefined;
  if (response) {
    out.response = Object.fromEntries(
      Object.entries(response).map(([code, part]) => {
        if (!isZod(part)) return [code, part];
        const json = jsonSchemaOf(part, 'output');
        return [code, { description: part.description ?? (code.startsWith('2') ? 'Success' : 'Problem (RFC 9457)'), ...json }];
      }),
    );
  }
  return { schema: out, url };
}
