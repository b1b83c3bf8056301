import { WritError } from '../../errors/index.ts';
import type { EnrichedFinding } from '../findings/enrich.ts';
import type { IdentityFinding } from '../findings/finding.ts';
import type { DependencyChain } from '../inventory/dependency-chain.ts';
import { HUMAN_APPROVAL_CLASSES, type Identity, type IdentityKind } from '../inventory/identity-schema.ts';
import {
  REVERSIBLE,
  REVOKING_ACTIONS,
  type GateCheck,
  type PlanAction,
  type PlanStep,
  type PlanStrategy,
  type PolicySeverity,
  type Proposal,
  type ResponsePlan,
} from './proposal.ts';

export interface PlanOptions {
  /** The plan's clock: deadlines are computed from it (pure function, no hidden time). */
  now: Date;
  /** How long an internal-batch owner has to rotate before Writ acts (default 24 h). */
  stagedWindowMs?: number;
  /** How long the old secret keeps working in a coordinated rotation (default 1 h, at most 7 d). */
  rotationGraceSeconds?: number;
  /** Session lifetime cap for the softer first step (default 900 s). */
  sessionLifetimeSeconds?: number;
  /** A finding at or above this confidence (0–100) counts as confirmed (default 90). */
  confirmThreshold?: number;
  /**
   * Overrides the plan's own judgement of whether the exposure is confirmed (enrichment's
   * `confirmed`). By default: the leaked fingerprint is one of the identity's, the source
   * verified the secret live, or a known-compromised credential was used.
   */
  confirmed?: boolean;
}

/** Kinds whose live sessions outlast a credential change, so capping them helps. */
const SESSION_KINDS: ReadonlySet<IdentityKind> = new Set(['oauth_app', 'service_account', 'token']);
/** Kinds that are accounts (disabled) rather than tokens (revoked). */
const ACCOUNT_KINDS: ReadonlySet<IdentityKind> = new Set(['service_account', 'database_role']);

/**
 * The class-aware response to a finding about an identity, as ordered steps of proposals
 * for the policy engine. Pure: the same inputs give the same plan.
 *
 * - no identity → an owner-less case; a closed finding → nothing;
 * - suspicion rather than confirmation → the softer first step (cap session lifetime where
 *   sessions exist), the owner alerted, a case;
 * - dependents remain → coordinated rotation (issue new, dependents updated, dependents
 *   healthy, then retire old), never a plain revoke;
 * - ephemeral, customer-facing production or CI/CD with no dependents → revoke now;
 * - internal batch → staged: alert the owner, wait for the owner's rotation until a
 *   deadline, then act without anyone (revoke; coordinated rotation if dependents remain);
 * - break-glass, disaster recovery, partner → rotate rather than remove, and every step
 *   flagged for human approval whatever the confidence.
 */
export function planResponse(
  finding: IdentityFinding,
  identity: Identity | undefined,
  chain: DependencyChain | undefined,
  options: PlanOptions,
): ResponsePlan {
  const b = new PlanBuilder(finding, identity, chain, options);

  if (!identity) {
    b.openCase('owner-less finding');
    return b.done('owner_less_case', ['no identity in the inventory matches this finding: it goes to the owner-less queue']);
  }
  if (finding.status_id === 4 || finding.activity_id === 3) {
    return b.done('no_action', [`the source closed the finding (${finding.status})`]);
  }

  const reasons: string[] = [];
  if (b.humanClass) reasons.push(`${identity.class} identities need human approval whatever the confidence`);
  const sessions = SESSION_KINDS.has(identity.kind);

  if (!b.confirmed) {
    reasons.push(`${finding.writ.kind.replace(/_/g, ' ')} is not confirmed (confidence ${finding.confidence_score}/100): contain softly and investigate`);
    const first = sessions ? [b.shortenSessions()] : [];
    const notify = b.notifyOwner([]);
    b.openCase('suspected credential misuse', [...first, notify]);
    return b.done('contain_and_investigate', reasons);
  }

  if (b.blastRadius > 0) {
    reasons.push(`${b.blastRadius} dependent(s) would break if the credential died: coordinated rotation, never a plain revoke`);
    if (identity.class === 'internal_batch') return staged(b, reasons);
    const first = sessions && identity.class === 'customer_facing_production' ? [b.shortenSessions()] : [];
    const notify = b.notifyOwner([]);
    b.coordinatedRotation([...first, notify]);
    return b.done('coordinated_rotation', reasons);
  }

  if (identity.lifetime.kind === 'ephemeral') {
    reasons.push('ephemeral credential with no dependents: revoke it, its holder re-issues');
    return revokeNow(b, reasons);
  }
  if (identity.class === 'customer_facing_production' || identity.class === 'ci_cd') {
    reasons.push(`confirmed exposure of a ${identity.class} credential with no dependents: revoke now`);
    return revokeNow(b, reasons);
  }
  if (identity.class === 'internal_batch') return staged(b, reasons);

  reasons.push(`long-lived ${identity.class} credential: replace its secret rather than remove the identity`);
  const notify = b.notifyOwner([]);
  b.action('rotate_secret', { gracePeriodSeconds: 0 }, [notify]);
  return b.done('rotate', reasons);
}

/**
 * The plan for an enriched finding: an ambiguous match goes to an analyst, anything else
 * to {@link planResponse} with enrichment's identity, chain and confirmation.
 */
export function planForEnriched(enriched: EnrichedFinding, options: PlanOptions): ResponsePlan {
  if (enriched.match.status === 'ambiguous') {
    const b = new PlanBuilder(enriched.finding, undefined, undefined, options);
    b.openCase(`finding matches ${enriched.match.candidates.length} identities`);
    return b.done('analyst_review', [`the finding matches ${enriched.match.candidates.length} identities (${enriched.match.candidates.join(', ')}): an analyst decides which`]);
  }
  return planResponse(enriched.finding, enriched.identity, enriched.chain, { ...options, confirmed: options.confirmed ?? enriched.confirmed });
}

function revokeNow(b: PlanBuilder, reasons: string[]): ResponsePlan {
  const kill = b.revoke([]);
  b.notifyOwner([kill]);
  return b.done('revoke_now', reasons);
}

/** Alert the owner, give them until the deadline to rotate, then act without anyone. */
function staged(b: PlanBuilder, reasons: string[]): ResponsePlan {
  const deadline = new Date(b.now.getTime() + (b.options.stagedWindowMs ?? 86_400_000)).toISOString();
  reasons.push(`internal batch identity: staged — the owner rotates by ${deadline}, or Writ acts then with nobody in the loop`);
  const notify = b.notifyOwner([]);
  const owner = b.gate('owner_rotated', [b.identity!.id], `the owner rotated ${b.identity!.id} before ${deadline}`, [notify], { deadline });
  const timing = { notBefore: deadline, skipIfPassed: owner };
  if (b.blastRadius > 0) {
    reasons.push('dependents remain, so the fallback at the deadline is a coordinated rotation, not a revoke');
    b.coordinatedRotation([notify], timing);
  } else {
    b.revoke([notify], timing);
  }
  return b.done('staged', reasons);
}

interface Timing {
  notBefore?: string;
  skipIfPassed?: string;
}

class PlanBuilder {
  readonly steps: PlanStep[] = [];
  readonly now: Date;
  readonly humanClass: boolean;
  readonly confirmed: boolean;
  readonly blastRadius: number;
  readonly dependents: number;

  constructor(
    readonly finding: IdentityFinding,
    readonly identity: Identity | undefined,
    readonly chain: DependencyChain | undefined,
    readonly options: PlanOptions,
  ) {
    this.now = options.now;
    this.humanClass = identity ? HUMAN_APPROVAL_CLASSES.has(identity.class) : false;
    this.blastRadius = chain?.blastRadius ?? identity?.dependents.length ?? 0;
    this.dependents = chain?.dependentCount ?? identity?.dependents.length ?? 0;
    this.confirmed = options.confirmed ?? isConfirmed(finding, identity, options.confirmThreshold ?? 90);
  }

  revoke(after: string[], timing: Timing = {}): string {
    const identity = this.identity!;
    if (ACCOUNT_KINDS.has(identity.kind)) return this.action('disable_account', {}, after, timing);
    const matched = this.finding.writ.credential.fingerprints.find((fp) => identity.secretFingerprints.includes(fp));
    return this.action('revoke_token', { tokenId: identity.keyIds[0] ?? matched ?? identity.id }, after, timing);
  }

  shortenSessions(): string {
    return this.action('shorten_session_lifetime', { maxLifetimeSeconds: this.options.sessionLifetimeSeconds ?? 900 }, []);
  }

  notifyOwner(after: string[]): string {
    const owner = this.identity!.owner;
    return this.action(
      'notify_external',
      {
        recipients: owner.contact ? [owner.contact] : [],
        template: this.identity!.class === 'partner_integration' ? 'partner_notice' : 'owner_notice',
      },
      after,
    );
  }

  openCase(title: string, after: string[] = []): string {
    const heading = `${title}: ${this.finding.finding_info.title}`.slice(0, 200);
    return this.action('open_case', { title: heading, caseType: 'identity', severity: this.severity }, after, {}, { type: 'case', id: `new:${this.finding.finding_info.uid}` });
  }

  /** One rotate_secret whose old secret is retired only after both dependent gates pass. */
  coordinatedRotation(after: string[], timing: Timing = {}): void {
    const subjects = this.chain?.nodes.map((n) => n.key) ?? this.identity!.dependents.map((d) => `${d.kind}:${d.ref}`);
    const grace = Math.min(this.options.rotationGraceSeconds ?? 3600, 7 * 86_400);
    const rotate = this.action('rotate_secret', { gracePeriodSeconds: grace }, after, timing);
    const updated = this.gate('dependents_updated', subjects, 'every dependent uses the new secret', [rotate], timing);
    const healthy = this.gate('dependents_healthy', subjects, 'every dependent is healthy on the new secret', [updated], timing);
    const step = this.steps.find((s) => s.id === rotate)!;
    step.retireOldAfter = [updated, healthy];
  }

  action(action: PlanAction, params: Record<string, unknown>, after: string[], timing: Timing = {}, target?: Proposal['target']): string {
    const id = `s${this.steps.length + 1}`;
    const identity = this.identity;
    const proposal: Proposal = {
      action,
      target: target ?? { type: 'identity', id: identity?.id ?? this.finding.finding_info.uid },
      params: target?.type === 'case' || action === 'notify_external' ? params : { identity: identity?.id, ...params },
      context: {
        blast_radius: this.blastRadius,
        dependents: this.dependents,
        identity_class: identity?.class ?? null,
        reversible: REVERSIBLE[action],
        confidence: this.confidence,
        severity: this.severity,
      },
    };
    this.steps.push({ id, kind: 'action', proposal, after, ...timingOf(timing), humanApproval: this.humanClass });
    return id;
  }

  gate(check: GateCheck, subjects: string[], description: string, after: string[], timing: Timing & { deadline?: string } = {}): string {
    const id = `s${this.steps.length + 1}`;
    const { deadline, ...rest } = timing;
    this.steps.push({
      id,
      kind: 'gate',
      gate: { check, subjects, description, ...(deadline === undefined ? {} : { deadline }) },
      after,
      ...timingOf(rest),
      humanApproval: false,
    });
    return id;
  }

  get confidence(): number {
    const score = this.confirmed ? Math.max(this.finding.confidence_score, 95) : this.finding.confidence_score;
    return score / 100;
  }

  get severity(): PolicySeverity {
    const id = this.finding.severity_id;
    return id >= 5 ? 'critical' : id === 4 ? 'high' : id === 3 ? 'medium' : 'low';
  }

  done(strategy: PlanStrategy, rationale: string[]): ResponsePlan {
    // The one rule that must never bend: no outright kill while something depends on it.
    if (this.blastRadius > 0 && this.steps.some((s) => s.proposal && REVOKING_ACTIONS.has(s.proposal.action))) {
      throw new WritError('WRIT_INTERNAL', `plan for ${this.identity?.id ?? 'unknown'} would revoke a credential with dependents`);
    }
    const proposals = this.steps.flatMap((s) => (s.proposal ? [s.proposal] : []));
    return {
      strategy,
      ...(this.identity ? { identityId: this.identity.id } : {}),
      requiresHumanApproval: this.steps.some((s) => s.humanApproval),
      rationale,
      steps: this.steps,
      proposals,
    };
  }
}

function timingOf(t: Timing): Pick<PlanStep, 'notBefore' | 'skipIfPassed'> {
  return {
    ...(t.notBefore === undefined ? {} : { notBefore: t.notBefore }),
    ...(t.skipIfPassed === undefined ? {} : { skipIfPassed: t.skipIfPassed }),
  };
}

/** Established rather than suspected (see {@link PlanOptions.confirmed}). */
export function isConfirmed(finding: IdentityFinding, identity: Identity | undefined, threshold = 90): boolean {
  if (finding.writ.kind === 'compromised_token_use') return true;
  if (finding.writ.kind === 'secret_exposure') {
    if (finding.writ.verified) return true;
    if (identity && finding.writ.credential.fingerprints.some((fp) => identity.secretFingerprints.includes(fp))) return true;
  }
  return finding.confidence_score >= threshold;
}
