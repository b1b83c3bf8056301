import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withApi } from '../api/support.ts';
import { tempDir } from '../support/engines.ts';
import { buildConsole } from './console-support.ts';

test('the console type-checks on its own (DOM, JSX) configuration', () => {
  const result = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', 'src/console/tsconfig.json'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
});

test('the built console has no inline script or style, and is served under / with page paths answered by index.html', async () => {
  const out = tempDir('writ-console-');
  try {
    const dir = join(out.path, 'console');
    await buildConsole(dir);
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'every script is a file');
    assert.doesNotMatch(html, /<style|style=/, 'no inline styles');
    const assets = readdirSync(join(dir, 'assets'));
    const script = assets.find((a) => a.endsWith('.js'))!;
    await withApi(
      'sqlite',
      async (w) => {
        const root = await w.server.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } });
        assert.equal(root.statusCode, 200);
        assert.match(String(root.headers['content-type']), /text\/html/);
        assert.match(String(root.headers['content-security-policy']), /script-src 'self'/);
        assert.equal(root.headers['x-frame-options'], 'SAMEORIGIN');
        const deep = await w.server.inject({ method: 'GET', url: '/cases/case-123', headers: { accept: 'text/html' } });
        assert.equal(deep.statusCode, 200, 'a page path is the console');
        assert.equal(deep.body, root.body);
        assert.equal(deep.headers['cache-control'], 'no-cache');
        const asset = await w.server.inject({ method: 'GET', url: `/assets/${script}` });
        assert.equal(asset.statusCode, 200);
        assert.match(String(asset.headers['cache-control']), /immutable/);
        const missingAsset = await w.server.inject({ method: 'GET', url: '/assets/nope.js', headers: { accept: 'text/html' } });
        assert.equal(missingAsset.statusCode, 404, 'a missing file is not the console');
        const api = await w.server.inject({ method: 'GET', url: '/api/v1/unknown', headers: { accept: 'text/html' } });
        assert.equal(api.statusCode, 404);
        assert.match(String(api.headers['content-type']), /problem\+json/, 'API paths never fall back to the page');
      },
      { server: { consoleDir: dir } },
    );
  } finally {
    out.remove();
  }
});
