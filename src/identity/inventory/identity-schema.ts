import { z } from 'zod';
import { parseDuration } from './duration.ts';

/** What a non-human identity is. */
export const IDENTITY_KINDS = [
  'api_key',
  'service_account',
  'oauth_app',
  'token',
  'certificate',
  'ssh_key',
  'database_role',
] as const;
export type IdentityKind = (typeof IDENTITY_KINDS)[number];

/** How much breaks, and who must agree, when the identity is acted on. */
export const IDENTITY_CLASSES = [
  'customer_facing_production',
  'internal_batch',
  'ci_cd',
  'partner_integration',
  'break_glass',
  'disaster_recovery',
] as const;
export type IdentityClass = (typeof IDENTITY_CLASSES)[number];

export const LIFETIMES = ['ephemeral', 'long_lived'] as const;
export type Lifetime = (typeof LIFETIMES)[number];

/** What can depend on a credential. A dependent of kind `identity` is walked further. */
export const DEPENDENT_KINDS = ['job', 'integration', 'pipeline', 'service', 'identity'] as const;
export type DependentKind = (typeof DEPENDENT_KINDS)[number];

/** Identity ids and dependent refs: one word, safe in logs, paths and policy entities. */
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/;
/** The shape `Fingerprinter.of()` produces: `fp:` then printable characters, no spaces. */
export const FINGERPRINT_PATTERN = /^fp:[\x21-\x7e]{8,256}$/;
/** Key ids are public identifiers (an AWS access key id, a JWT `kid`, a certificate serial). */
const KEY_ID_PATTERN = /^[\x21-\x7e]{1,256}$/;

const duration = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const seconds = parseDuration(value);
  if (seconds === undefined) {
    ctx.addIssue({ code: 'custom', message: 'must be a duration such as 90s, 15m, 4h, 7d or PT4H' });
    return z.NEVER;
  }
  return seconds;
});

export const dependentSchema = z.object({
  kind: z.enum(DEPENDENT_KINDS),
  ref: z.string().regex(ID_PATTERN),
  name: z.string().min(1).max(200).optional(),
});
export type Dependent = z.output<typeof dependentSchema>;

/**
 * One identity as written in an inventory file or sent through the API. Durations are
 * accepted as `90s`, `15m`, `4h`, `7d`, ISO 8601 (`PT4H`) or a number of seconds, and
 * come out as seconds. Secrets are never part of an identity: only their keyed
 * fingerprints (`fp:…`) and public key ids.
 */
export const identityInputSchema = z
  .object({
    id: z.string().regex(ID_PATTERN),
    name: z.string().min(1).max(200).optional(),
    kind: z.enum(IDENTITY_KINDS),
    owner: z.object({
      team: z.string().min(1).max(200),
      contact: z.string().min(1).max(320).optional(),
    }),
    class: z.enum(IDENTITY_CLASSES),
    environment: z.string().min(1).max(64),
    system: z.object({
      /** The connector that manages this identity: `postgres`, `redis`, `webhook`, … */
      connector: z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/),
      /** What the connector acts on: a role name, an ACL user, a remote account id. */
      target: z.string().min(1).max(256),
    }),
    lifetime: z.object({
      kind: z.enum(LIFETIMES),
      maxTtl: duration.optional(),
    }),
    lastRotatedAt: z.iso.datetime({ offset: true }).nullable().optional(),
    recoveryTime: duration.optional(),
    dependents: z.array(dependentSchema).default([]),
    keyIds: z.array(z.string().regex(KEY_ID_PATTERN)).default([]),
    secretFingerprints: z.array(z.string().regex(FINGERPRINT_PATTERN)).default([]),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.lifetime.kind === 'ephemeral' && value.lifetime.maxTtl === undefined) {
      ctx.addIssue({ code: 'custom', path: ['lifetime', 'maxTtl'], message: 'is required for an ephemeral identity' });
    }
    const seen = new Set<string>();
    value.dependents.forEach((d, i) => {
      const key = `${d.kind}:${d.ref}`;
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['dependents', i], message: `repeats ${key}` });
      seen.add(key);
    });
  })
  .transform(
    (v): Identity => ({
      id: v.id,
      name: v.name ?? v.id,
      kind: v.kind,
      owner: { team: v.owner.team, ...(v.owner.contact === undefined ? {} : { contact: v.owner.contact }) },
      class: v.class,
      environment: v.environment,
      system: { connector: v.system.connector, target: v.system.target },
      lifetime: { kind: v.lifetime.kind, maxTtlSeconds: v.lifetime.maxTtl ?? null },
      lastRotatedAt: v.lastRotatedAt ?? null,
      recoveryTimeSeconds: v.recoveryTime ?? null,
      dependents: v.dependents.map((d) => ({ kind: d.kind, ref: d.ref, ...(d.name === undefined ? {} : { name: d.name }) })),
      keyIds: [...new Set(v.keyIds)],
      secretFingerprints: [...new Set(v.secretFingerprints)],
    }),
  );
export type IdentityInput = z.input<typeof identityInputSchema>;

/** A validated identity. Holds no secret: only fingerprints and public key ids. */
export interface Identity {
  id: string;
  name: string;
  kind: IdentityKind;
  owner: { team: string; contact?: string };
  class: IdentityClass;
  environment: string;
  system: { connector: string; target: string };
  lifetime: { kind: Lifetime; maxTtlSeconds: number | null };
  /** ISO 8601, or null when never rotated (or unknown). */
  lastRotatedAt: string | null;
  /** How long the owner can tolerate the credential being down; null when not stated. */
  recoveryTimeSeconds: number | null;
  dependents: Dependent[];
  keyIds: string[];
  secretFingerprints: string[];
}

/** The classes whose every action needs a human, whatever the confidence. */
export const HUMAN_APPROVAL_CLASSES: ReadonlySet<IdentityClass> = new Set([
  'break_glass',
  'disaster_recovery',
  'partner_integration',
]);
