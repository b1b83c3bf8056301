import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';

/** Where `npm run build:console` writes the console. */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../dist/console', import.meta.url));

/**
 * Serves the built console under `/`: hashed assets cached for good, `index.html` never
 * cached, and every other page path answered with `index.html` (the console routes in the
 * browser). Paths under /api and /auth are never the console's.
 */
export function registerConsole(server: FastifyInstance, dir: string | null): { fallback(request: FastifyRequest, reply: FastifyReply): boolean } {
  const built = dir !== null && existsSync(join(dir, 'index.html'));
  if (!built) {
    server.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply.type('text/plain; charset=utf-8').send('Writ is running. The console is not built: run `npm run build:console` (npm start does).\n'),
    );
    return { fallback: () => false };
  }
  void server.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    index: ['index.html'],
    schemaHide: true,
    setHeaders(res, path) {
      void res.header('cache-control', /[/\\]assets[/\\]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  return {
    fallback(request, reply) {
      const path = request.url.split('?')[0] ?? '/';
      if (request.method !== 'GET' || /^\/(api|auth)(\/|$)/.test(path) || /\.[a-z0-9]{1,8}$/i.test(path)) return false;
      if (!(request.headers.accept ?? '').includes('text/html')) return false;
      void reply.header('cache-control', 'no-cache').sendFile('index.html');
      return true;
    },
  };
}
