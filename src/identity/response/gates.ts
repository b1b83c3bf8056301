import type { Identity } from '../inventory/identity-schema.ts';
import type { PlanStep } from '../plans/proposal.ts';
import type { GateSubjectCheck, PlanRecord, StepRecord } from '../store/response-records.ts';

/**
 * Asks whether one dependent (`job:nightly-etl`, `identity:reporting`) has moved to the new
 * secret (`dependents_updated`) or is healthy on it (`dependents_healthy`). Returns
 * undefined when it has no way to tell for this subject: an attestation then decides.
 */
export type DependentProbe = (input: {
  gate: 'dependents_updated' | 'dependents_healthy';
  subject: string;
  identity: Identity;
  /** The rotation's new secret, by fingerprint; null when the rotation issued none to Writ. */
  newSecretFingerprint: string | null;
  /** When the rotation executed (epoch ms). */
  rotatedAt: number | null;
}) => Promise<{ ok: boolean; detail: string } | undefined>;

export interface GateInput {
  plan: PlanRecord;
  step: StepRecord;
  planStep: PlanStep;
  /** The identity as it is now; undefined when it was removed from the inventory. */
  identity: Identity | undefined;
  /** The rotation this gate follows, when there is one. */
  rotation?: { newSecretFingerprint: string | null; rotatedAt: number | null };
  /** Whether Writ itself rotated the identity since the plan began (an executed rotate_secret). */
  rotatedByWrit: boolean;
  now: number;
  probe?: DependentProbe;
}

export interface GateOutcome {
  status: 'done' | 'waiting' | 'missed';
  checks: GateSubjectCheck[];
  note: string;
}

/**
 * Evaluates a gate by reading the world, never by trusting the plan:
 *
 * - `owner_rotated` passes when the inventory shows a rotation after the plan began (its
 *   `lastRotatedAt`), when none of the leaked fingerprints is the identity's any more, when
 *   Writ executed a rotation of it, or when someone attested it; at its deadline an unpassed
 *   gate is `missed`.
 * - `dependents_updated` / `dependents_healthy` pass when every subject passes the probe,
 *   or, where the probe cannot tell, was attested by a person.
 */
export async function evaluateGate(input: GateInput): Promise<GateOutcome> {
  const gate = input.planStep.gate;
  if (!gate) return { status: 'done', checks: [], note: 'not a gate' };
  const attested = new Map((input.step.detail.attestations ?? []).map((a) => [a.subject, a]));
  if (gate.check === 'owner_rotated') {
    const checks = ownerRotationChecks(input, attested);
    const passed = checks.some((c) => c.ok);
    if (passed) return { status: 'done', checks, note: `the owner rotated in time: ${checks.find((c) => c.ok)!.detail}` };
    const deadline = gate.deadline ? Date.parse(gate.deadline) : undefined;
    if (deadline !== undefined && input.now >= deadline) return { status: 'missed', checks, note: `the deadline ${gate.deadline} passed without a rotation by the owner` };
    return { status: 'waiting', checks, note: `waiting for the owner to rotate${gate.deadline ? ` until ${gate.deadline}` : ''}` };
  }
  const checks: GateSubjectCheck[] = [];
  for (const subject of gate.subjects) {
    const probed = input.probe && input.identity
      ? await input.probe({ gate: gate.check, subject, identity: input.identity, newSecretFingerprint: input.rotation?.newSecretFingerprint ?? null, rotatedAt: input.rotation?.rotatedAt ?? null }).catch((error: unknown) => ({
          ok: false,
          detail: `the health check failed: ${error instanceof Error ? error.message : String(error)}`,
        }))
      : undefined;
    if (probed) {
      checks.push({ subject, ok: probed.ok, detail: probed.detail });
      continue;
    }
    const a = attested.get(subject);
    checks.push(a ? { subject, ok: true, detail: `attested by ${a.actor} at ${new Date(a.at).toISOString()}` } : { subject, ok: false, detail: 'no health check can tell; waiting for an attestation' });
  }
  const failing = checks.filter((c) => !c.ok).map((c) => c.subject);
  return failing.length === 0
    ? { status: 'done', checks, note: `${gate.description}: confirmed for ${checks.length} dependent(s)` }
    : { status: 'waiting', checks, note: `waiting for ${failing.join(', ')}` };
}

function ownerRotationChecks(input: GateInput, attested: Map<string, { actor: string; at: number }>): GateSubjectCheck[] {
  const identity = input.identity;
  const subject = input.plan.identityId ?? 'identity';
  if (!identity) return [{ subject, ok: false, detail: `${subject} is no longer in the inventory` }];
  const checks: GateSubjectCheck[] = [];
  const rotatedAt = identity.lastRotatedAt ? Date.parse(identity.lastRotatedAt) : undefined;
  checks.push({
    subject,
    ok: rotatedAt !== undefined && rotatedAt > input.plan.createdAt,
    detail: rotatedAt === undefined ? 'the inventory records no rotation' : `the inventory records a rotation at ${identity.lastRotatedAt}`,
  });
  // Only fingerprints that were the identity's when the plan began say anything here.
  const leaked = input.step.detail.leakedFingerprints ?? [];
  if (leaked.length > 0) {
    const still = leaked.filter((fp) => identity.secretFingerprints.includes(fp));
    checks.push({ subject, ok: still.length === 0, detail: still.length === 0 ? 'the leaked secret is no longer one of the identity\'s' : 'the leaked secret is still one of the identity\'s' });
  }
  checks.push({ subject, ok: input.rotatedByWrit, detail: input.rotatedByWrit ? 'Writ rotated it since the plan began' : 'Writ has not rotated it' });
  const a = attested.get(subject);
  if (a) checks.push({ subject, ok: true, detail: `attested by ${a.actor} at ${new Date(a.at).toISOString()}` });
  return checks;
}
