import { test } from 'node:test';
import assert from 'node:assert/strict';
import { API_ACTIONS } from '../../src/api/index.ts';
import { AccessPolicy } from '../../src/people/index.ts';
import { withApi } from './support.ts';

test('every route is in the OpenAPI 3.1 document, names one action the Cedar access schema declares, and documents its problems', async () => {
  await withApi('sqlite', async (w) => {
    const routes: Array<{ method: string; url: string; action: string | undefined; hidden: boolean }> = [];
    // Routes are added when the server loads its plugins, so a hook added now sees them all.
    w.server.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) {
        if (method === 'HEAD' || method === 'OPTIONS') continue;
        routes.push({ method, url: route.url, action: route.config?.action, hidden: (route.schema as { hide?: boolean } | undefined)?.hide === true });
      }
    });
    const response = await w.server.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    assert.equal(response.statusCode, 200);
    const doc = response.json() as { openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown>; requestBody?: unknown; 'x-writ-action'?: string }>> };
    assert.equal(doc.openapi, '3.1.0');
    assert.ok(routes.length >= 45, `found ${routes.length} routes`);
    const used = new Set<string>();
    for (const route of routes.filter((r) => !r.hidden)) {
      const path = route.url.replace(/:(\w+)/g, '{$1}');
      const operation = doc.paths[path]?.[route.method.toLowerCase()];
      assert.ok(operation, `${route.method} ${route.url} is missing from the OpenAPI document`);
      assert.ok(['200', '201', '202', '302'].some((c) => operation.responses[c]), `${route.method} ${route.url} documents its success`);
      assert.ok(operation.responses['400'] && operation.responses['403'] && operation.responses['500'], `${route.method} ${route.url} documents its problems`);
      if (route.url.startsWith('/api/v1/') && route.url !== '/api/v1/openapi.json') {
        assert.ok(route.action, `${route.method} ${route.url} names no action, so nothing would authorise it`);
        assert.equal(operation['x-writ-action'], route.action, 'the document says which action (and so which roles) a route needs');
        used.add(route.action);
      }
    }
    // The paths Fastify would answer and the paths documented are the same set.
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    const served = routes.filter((r) => !r.hidden).map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`);
    assert.deepEqual([...new Set(documented)].sort(), [...new Set(served)].sort());
    const declared = AccessPolicy.load().actions;
    assert.deepEqual([...declared].sort(), [...API_ACTIONS].sort(), 'the Cedar schema and the API agree on the actions');
    assert.deepEqual([...used].sort(), [...API_ACTIONS].sort(), 'every declared action is used by some route');
    const approve = doc.paths['/api/v1/actions/{id}/approve']?.post as { requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown>; additionalProperties?: unknown } }> } } | undefined;
    const body = approve?.requestBody?.content?.['application/json']?.schema;
    assert.deepEqual(Object.keys(body?.properties ?? {}).sort(), ['actionHash', 'reason'], 'the approver is not a body field');
    assert.equal(body?.additionalProperties, false, 'unknown fields are refused, and the document says so');
  });
});
