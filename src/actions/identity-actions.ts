import { z } from 'zod';
import type { BlastFacts } from './action-type.ts';
import { defineAction } from './define-action.ts';

const identity = z.string().min(1).max(512);

/** The identity itself plus whatever depends on it; unknown until the dependency walk ran. */
const identityBlast = (_p: unknown, facts: BlastFacts): number | undefined =>
  facts.dependents === undefined ? undefined : 1 + facts.dependents;

export const revokeToken = defineAction({
  name: 'revoke_token',
  description: 'Revoke one token or API key; a revoked token cannot be brought back.',
  params: z.strictObject({ identity, tokenId: z.string().min(1).max(512) }),
  targets: ['identity'],
  capability: 'identity.revoke',
  domain: 'identity',
  disruptive: true,
  reversible: false,
  baseRisk: 'high',
  blastRadius: identityBlast,
});

export const disableAccount = defineAction({
  name: 'disable_account',
  description: 'Disable a service account or role so it can no longer authenticate.',
  params: z.strictObject({ identity }),
  targets: ['identity'],
  capability: 'identity.disable',
  domain: 'identity',
  disruptive: true,
  reversible: true,
  undo: { action: 'enable_account', params: (p) => ({ identity: p.identity }) },
  baseRisk: 'high',
  blastRadius: identityBlast,
});

export const enableAccount = defineAction({
  name: 'enable_account',
  description: 'Re-enable a disabled account.',
  params: z.strictObject({ identity }),
  targets: ['identity'],
  capability: 'identity.enable',
  domain: 'identity',
  disruptive: true,
  rollback: true,
  reversible: true,
  undo: { action: 'disable_account', params: (p) => ({ identity: p.identity }) },
  baseRisk: 'medium',
  blastRadius: identityBlast,
});

export const rotateSecret = defineAction({
  name: 'rotate_secret',
  description: 'Issue a new secret and retire the old one after a grace period (coordinated rotation).',
  params: z.strictObject({
    identity,
    /** How long the old secret keeps working so dependents can switch over. */
    gracePeriodSeconds: z.number().int().min(0).max(7 * 24 * 3600),
  }),
  targets: ['identity'],
  capability: 'identity.rotate',
  domain: 'identity',
  disruptive: true,
  // The old secret is gone for good once retired.
  reversible: false,
  baseRisk: 'high',
  blastRadius: identityBlast,
});

const lifetime = z.number().int().min(60).max(30 * 24 * 3600);

export const shortenSessionLifetime = defineAction({
  name: 'shorten_session_lifetime',
  description: "Cap an identity's session lifetime, ending long sessions early.",
  params: z.strictObject({ identity, maxLifetimeSeconds: lifetime.max(24 * 3600) }),
  targets: ['identity'],
  capability: 'identity.session',
  domain: 'identity',
  disruptive: true,
  reversible: true,
  // The previous lifetime is read by the executor at execution and recorded for the undo.
  undo: { action: 'restore_session_lifetime' },
  baseRisk: 'medium',
  blastRadius: identityBlast,
});

export const restoreSessionLifetime = defineAction({
  name: 'restore_session_lifetime',
  description: 'Put back the session lifetime an identity had before it was shortened.',
  params: z.strictObject({ identity, maxLifetimeSeconds: lifetime }),
  targets: ['identity'],
  capability: 'identity.session',
  domain: 'identity',
  disruptive: true,
  rollback: true,
  reversible: true,
  undo: { action: 'shorten_session_lifetime' },
  baseRisk: 'medium',
  blastRadius: identityBlast,
});
