import { z } from 'zod';
import { defineAction } from './define-action.ts';

const host = z.string().min(1).max(255);
const hostBlast = (_p: unknown, facts: { dependents?: number }): number | undefined =>
  facts.dependents === undefined ? undefined : 1 + facts.dependents;

export const isolateHost = defineAction({
  name: 'isolate_host',
  description: 'Cut a host off the network except for security tooling.',
  params: z.strictObject({ host, allowSecurityTooling: z.boolean() }),
  targets: ['host'],
  capability: 'host.isolate',
  domain: 'host',
  disruptive: true,
  reversible: true,
  undo: { action: 'release_host', params: (p) => ({ host: p.host }) },
  baseRisk: 'high',
  blastRadius: hostBlast,
});

export const releaseHost = defineAction({
  name: 'release_host',
  description: 'Reconnect an isolated host.',
  params: z.strictObject({ host }),
  targets: ['host'],
  capability: 'host.isolate',
  domain: 'host',
  disruptive: true,
  rollback: true,
  reversible: true,
  undo: { action: 'isolate_host', params: (p) => ({ host: p.host, allowSecurityTooling: true }) },
  baseRisk: 'medium',
  blastRadius: hostBlast,
});
