import type { Dependent, DependentKind, Identity } from './identity-schema.ts';

/** One thing that breaks if the root credential dies. */
export interface ChainNode {
  /** `kind:ref`, unique within a chain. */
  key: string;
  kind: DependentKind;
  ref: string;
  name?: string;
  /** 1 for a direct dependent of the root, 2 for a dependent of a dependent identity, … */
  depth: number;
  /** Identity ids from the root to the identity that declares this dependent. */
  via: string[];
}

export interface DependencyChain {
  root: string;
  /** Dependents declared on the root itself. */
  direct: Dependent[];
  /** Every distinct dependent reachable from the root (the root itself excluded), nearest first. */
  nodes: ChainNode[];
  /** Distinct dependents reachable from the root: what breaks if it dies. */
  blastRadius: number;
  /** Direct dependents of the root. */
  dependentCount: number;
  /** Identity paths that lead back to an identity already on the path (each reported once). */
  cycles: string[][];
  /** Dependent identities the inventory does not know: their own dependents are unknown. */
  unresolved: string[];
  /** True when `maxNodes` stopped the walk: the blast radius is at least this. */
  truncated: boolean;
}

export interface WalkOptions {
  /** Stop after this many nodes (default 10 000). */
  maxNodes?: number;
}

/**
 * Walks the dependency graph breadth-first from `rootId`: direct dependents, then the
 * dependents of every dependent that is itself an identity, and so on. Each dependent is
 * counted once however many paths reach it; cycles are detected and reported, never
 * followed twice.
 */
export function walkDependencyChain(
  rootId: string,
  resolve: (identityId: string) => Identity | undefined,
  options: WalkOptions = {},
): DependencyChain {
  const maxNodes = options.maxNodes ?? 10_000;
  const root = resolve(rootId);
  const nodes: ChainNode[] = [];
  const seenNodes = new Set<string>();
  const expanded = new Set<string>([rootId]);
  const unresolved = new Set<string>();
  let truncated = false;

  const queue: Array<{ identity: Identity; path: string[] }> = root ? [{ identity: root, path: [rootId] }] : [];
  for (let head = 0; head < queue.length && !truncated; head++) {
    const { identity, path } = queue[head]!;
    for (const dependent of identity.dependents) {
      const key = `${dependent.kind}:${dependent.ref}`;
      if (dependent.kind === 'identity' && dependent.ref === rootId) continue;
      if (!seenNodes.has(key)) {
        if (nodes.length >= maxNodes) {
          truncated = true;
          break;
        }
        seenNodes.add(key);
        nodes.push({
          key,
          kind: dependent.kind,
          ref: dependent.ref,
          ...(dependent.name === undefined ? {} : { name: dependent.name }),
          depth: path.length,
          via: [...path],
        });
      }
      if (dependent.kind !== 'identity' || expanded.has(dependent.ref)) continue;
      expanded.add(dependent.ref);
      const next = resolve(dependent.ref);
      if (next) queue.push({ identity: next, path: [...path, dependent.ref] });
      else unresolved.add(dependent.ref);
    }
  }

  const direct = root?.dependents ?? [];
  return {
    root: rootId,
    direct,
    nodes,
    blastRadius: nodes.length,
    dependentCount: new Set(direct.map((d) => `${d.kind}:${d.ref}`)).size,
    cycles: root ? findCycles(rootId, resolve) : [],
    unresolved: [...unresolved].sort(),
    truncated,
  };
}

/**
 * Cycles among the identities reachable from the root: depth-first, each edge back to an
 * identity still on the stack closes one cycle. Every cycle in the graph has such an edge,
 * so a graph with cycles always reports at least one per strongly connected part.
 */
function findCycles(rootId: string, resolve: (identityId: string) => Identity | undefined): string[][] {
  const cycles: string[][] = [];
  const keys = new Set<string>();
  const done = new Set<string>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  // Iterative DFS: inventories can be deep enough to overflow recursion.
  const frames: Array<{ id: string; next: number; edges: string[] }> = [];
  const enter = (id: string): void => {
    const edges = (resolve(id)?.dependents ?? []).filter((d) => d.kind === 'identity').map((d) => d.ref);
    frames.push({ id, next: 0, edges });
    stack.push(id);
    onStack.add(id);
  };
  enter(rootId);
  while (frames.length > 0) {
    const frame = frames[frames.length - 1]!;
    if (frame.next >= frame.edges.length) {
      frames.pop();
      stack.pop();
      onStack.delete(frame.id);
      done.add(frame.id);
      continue;
    }
    const target = frame.edges[frame.next++]!;
    if (onStack.has(target)) {
      const cycle = [...stack.slice(stack.indexOf(target)), target];
      const key = canonicalCycle(cycle);
      if (!keys.has(key)) {
        keys.add(key);
        cycles.push(cycle);
      }
    } else if (!done.has(target) && resolve(target)) {
      enter(target);
    }
  }
  return cycles;
}

/** The same cycle reached from a different starting point gets the same key. */
function canonicalCycle(cycle: string[]): string {
  const ring = cycle.slice(0, -1);
  let best = ring.join('>');
  for (let i = 1; i < ring.length; i++) {
    const rotated = [...ring.slice(i), ...ring.slice(0, i)].join('>');
    if (rotated < best) best = rotated;
  }
  return best;
}
