import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { walkDependencyChain } from './dependency-chain.ts';
import type { Dependent, Identity } from './identity-schema.ts';

function identity(id: string, dependents: Dependent[] = []): Identity {
  return {
    id,
    name: id,
    kind: 'service_account',
    owner: { team: 't' },
    class: 'internal_batch',
    environment: 'production',
    system: { connector: 'postgres', target: id },
    lifetime: { kind: 'long_lived', maxTtlSeconds: null },
    lastRotatedAt: null,
    recoveryTimeSeconds: null,
    dependents,
    keyIds: [],
    secretFingerprints: [],
  };
}

const job = (ref: string): Dependent => ({ kind: 'job', ref });
const id = (ref: string): Dependent => ({ kind: 'identity', ref });

function resolver(list: Identity[]): (id: string) => Identity | undefined {
  const map = new Map(list.map((i) => [i.id, i]));
  return (k) => map.get(k);
}

test('walks dependent identities transitively, counting each dependent once', () => {
  const chain = walkDependencyChain(
    'root',
    resolver([
      identity('root', [job('etl'), id('reporting'), id('exports')]),
      identity('reporting', [job('dashboards'), job('etl')]),
      identity('exports', [id('reporting'), { kind: 'integration', ref: 'partner-sftp' }]),
    ]),
  );
  assert.equal(chain.dependentCount, 3);
  assert.deepEqual(chain.nodes.map((n) => n.key), ['job:etl', 'identity:reporting', 'identity:exports', 'job:dashboards', 'integration:partner-sftp']);
  assert.equal(chain.blastRadius, 5);
  assert.deepEqual(chain.nodes.find((n) => n.key === 'job:dashboards')?.via, ['root', 'reporting']);
  assert.equal(chain.nodes.find((n) => n.key === 'job:dashboards')?.depth, 2);
  assert.deepEqual(chain.cycles, []);
  assert.deepEqual(chain.unresolved, []);
});

test('cycles terminate, are reported once, and the root is never its own dependent', () => {
  const chain = walkDependencyChain(
    'a',
    resolver([
      identity('a', [id('b'), id('c')]),
      identity('b', [id('c'), id('a'), job('j1')]),
      identity('c', [id('b')]),
    ]),
  );
  assert.deepEqual(chain.nodes.map((n) => n.key).sort(), ['identity:b', 'identity:c', 'job:j1']);
  assert.equal(chain.blastRadius, 3);
  // a→b→a and b→c→b are both found, whichever way round they were reached.
  const rings = chain.cycles.map((c) => c.slice(0, -1).sort().join(','));
  assert.ok(rings.includes('a,b'), JSON.stringify(chain.cycles));
  assert.ok(rings.includes('b,c'), JSON.stringify(chain.cycles));
});

test('unknown dependent identities are listed; maxNodes truncates and says so', () => {
  const chain = walkDependencyChain('a', resolver([identity('a', [id('ghost'), job('j1'), job('j2'), job('j3')])]), { maxNodes: 2 });
  assert.deepEqual(chain.unresolved, ['ghost']);
  assert.equal(chain.truncated, true);
  assert.equal(chain.blastRadius, 2);
  const missing = walkDependencyChain('nobody', resolver([]));
  assert.equal(missing.blastRadius, 0);
  assert.equal(missing.dependentCount, 0);
});

test('property: blast radius equals the distinct dependents reachable, for any graph', () => {
  const names = ['a', 'b', 'c', 'd', 'e', 'f'];
  const graph = fc.array(
    fc.tuple(fc.constantFrom(...names), fc.oneof(fc.constantFrom(...names).map(id), fc.constantFrom('j1', 'j2', 'j3').map(job))),
    { maxLength: 25 },
  );
  fc.assert(
    fc.property(graph, fc.constantFrom(...names), (edges, root) => {
      const list = names.map((n) => identity(n, dedupe(edges.filter(([from]) => from === n).map(([, d]) => d))));
      const chain = walkDependencyChain(root, resolver(list));
      // Reference: plain reachability over all edges.
      const reached = new Set<string>();
      const stack = [root];
      const visited = new Set<string>([root]);
      while (stack.length) {
        const next = stack.pop();
        const cur = list.find((i) => i.id === next)!;
        for (const d of cur.dependents) {
          if (!(d.kind === 'identity' && d.ref === root)) reached.add(`${d.kind}:${d.ref}`);
          if (d.kind === 'identity' && !visited.has(d.ref)) {
            visited.add(d.ref);
            stack.push(d.ref);
          }
        }
      }
      assert.equal(chain.blastRadius, reached.size);
      assert.deepEqual(new Set(chain.nodes.map((n) => n.key)), reached);
      for (const cycle of chain.cycles) assert.equal(cycle[0], cycle[cycle.length - 1]);
    }),
    { numRuns: 300 },
  );
});

function dedupe(ds: Dependent[]): Dependent[] {
  const seen = new Set<string>();
  return ds.filter((d) => !seen.has(`${d.kind}:${d.ref}`) && seen.add(`${d.kind}:${d.ref}`));
}
