import { sql } from 'kysely';
import { WritError } from '../../errors/index.ts';
import type { JobQueue } from '../../jobs/index.ts';
import type { Kernel } from '../../kernel/index.ts';
import type { Ledger } from '../../ledger/index.ts';
import type { Store } from '../../store/index.ts';
import { assessAuthEvent } from '../findings/anomaly-detector.ts';
import { parseAuthEvent, type AuthEvent } from '../findings/auth-log.ts';
import { enrichFinding, type EnrichedFinding } from '../findings/enrich.ts';
import type { IdentityFinding } from '../findings/finding.ts';
import type { SecretFingerprinter } from '../inventory/fingerprint-index.ts';
import { planForEnriched } from '../plans/plan-response.ts';
import type { PlanStrategy } from '../plans/proposal.ts';
import type { IdentityStore } from '../store/identity-store.ts';
import type { PlanRecord, ResponseRecords, StepRecord } from '../store/response-records.ts';
import { parseFindings } from './finding-formats.ts';
import type { PlanRunner } from './plan-runner.ts';
import { ResponseWriter, type FindingOutcome } from './response-writer.ts';
import type { RotationTracker } from './rotations.ts';

export type { FindingOutcome, ProposedStep } from './response-writer.ts';

export interface IngestInput {
  /** `gitleaks`, `trufflehog`, `github`, `anomaly` or `compromised`. */
  format: string;
  /** The report or event: raw text as received, or already-parsed JSON. */
  body: string | unknown;
  tenant?: string;
  /** Where the scanned material lives (a repository URL), for reports that do not say. */
  location?: string;
}

export interface IdentityResponseOptions {
  store: Store;
  ledger: Ledger;
  jobs: JobQueue;
  kernel: Kernel;
  fingerprinter: SecretFingerprinter;
  identities: IdentityStore;
  records: ResponseRecords;
  runner: PlanRunner;
  rotations: RotationTracker;
  defaultTenant: string;
  stagedWindowMs?: number;
  rotationGraceSeconds?: number;
  sessionLifetimeSeconds?: number;
  now: () => number;
  /** Releases the identity systems' connections. */
  onClose?: () => Promise<void>;
}

/** How strong a response is: a finding only displaces an open response with a weaker one. */
const STRENGTH: Record<PlanStrategy, number> = {
  no_action: 0,
  owner_less_case: 1,
  analyst_review: 1,
  contain_and_investigate: 2,
  staged: 3,
  rotate: 3,
  coordinated_rotation: 3,
  revoke_now: 3,
};

/**
 * Findings in, governed responses out: parse → enrich against the stored inventory and auth
 * history → plan → open an `identity` case → propose each ready step through the kernel as
 * the identity playbook. A finding for an unknown identity opens a case in the owner-less
 * queue; one naming an identity that was removed says so; a repeated finding of the same
 * secret joins the response already open.
 */
export class IdentityResponse {
  private readonly writer: ResponseWriter;

  constructor(private readonly o: IdentityResponseOptions) {
    this.writer = new ResponseWriter(o);
  }

  get identities(): IdentityStore {
    return this.o.identities;
  }

  get records(): ResponseRecords {
    return this.o.records;
  }

  /** Temporary access (old secrets in their grace period) and its end. */
  get rotations(): RotationTracker {
    return this.o.rotations;
  }

  /** Parses a whole report first (a malformed one changes nothing), then responds to each finding. */
  async ingest(input: IngestInput): Promise<FindingOutcome[]> {
    const findings = parseFindings(input.format, input.body, {
      fingerprinter: this.o.fingerprinter,
      now: () => new Date(this.o.now()),
      ...(input.location ? { location: input.location } : {}),
    });
    const out: FindingOutcome[] = [];
    for (const finding of findings) out.push(await this.ingestFinding(finding, input.tenant === undefined ? {} : { tenant: input.tenant }));
    return out;
  }

  /** Responds to one normalised finding (the API calls this after parsing a webhook). */
  async ingestFinding(finding: IdentityFinding, options: { tenant?: string } = {}): Promise<FindingOutcome> {
    const tenant = options.tenant ?? this.o.defaultTenant;
    const now = this.o.now();
    const inventory = await this.o.identities.inventory(tenant);
    const enriched = enrichFinding(finding, { inventory, now: () => new Date(now) });
    if (enriched.identity) enriched.authHistory = await this.o.identities.recentAuth(enriched.identity.id, { sinceMs: now - 7 * 86_400_000, limit: 20 });
    if (enriched.match.status === 'identity_missing') await this.explainMissing(enriched);
    const plan = planForEnriched(enriched, {
      now: new Date(now),
      ...(this.o.stagedWindowMs === undefined ? {} : { stagedWindowMs: this.o.stagedWindowMs }),
      ...(this.o.rotationGraceSeconds === undefined ? {} : { rotationGraceSeconds: this.o.rotationGraceSeconds }),
      ...(this.o.sessionLifetimeSeconds === undefined ? {} : { sessionLifetimeSeconds: this.o.sessionLifetimeSeconds }),
    });
    const dedupKey = dedupKeyOf(finding, enriched);
    const engine = await this.o.kernel.actions.policyEngine();
    const outcome = await this.o.store.transaction(async (trx) => {
      if (this.o.store.engine === 'postgres') {
        // Two workers ingesting the same secret at once must not open two responses.
        await sql`select pg_advisory_xact_lock(hashtext(${`${tenant}|${dedupKey}`}))`.execute(trx);
      }
      const open = await this.o.records.openFinding(trx, tenant, dedupKey, finding.finding_info.uid);
      const openPlan = open?.planId ? await this.o.records.plan(open.planId, trx) : undefined;
      if (open && STRENGTH[plan.strategy] <= STRENGTH[(openPlan?.strategy as PlanStrategy | undefined) ?? 'no_action']) {
        return this.writer.joinOpen(trx, open, finding, plan, now);
      }
      if (!open && plan.strategy === 'no_action') return this.writer.recordClosed(trx, tenant, finding, enriched, dedupKey, now);
      return this.writer.respond(trx, { tenant, finding, enriched, plan, dedupKey, now, engine, ...(open ? { open, openPlan } : {}) });
    });
    await this.o.ledger.afterCommit();
    return outcome;
  }

  /**
   * Stores authentication events (attributed to identities) and, with `detect`, checks each
   * successful one against the identity's history: an unusual source or impossible travel
   * becomes an anomalous-use finding, responded to like any other.
   */
  async ingestAuthEvents(input: readonly unknown[], options: { tenant?: string; detect?: boolean } = {}): Promise<{ stored: number; attributed: number; findings: FindingOutcome[] }> {
    const tenant = options.tenant ?? this.o.defaultTenant;
    const events: AuthEvent[] = input.map((e, i) => parseAuthEvent(e, `auth event ${i + 1}`));
    const { stored, attributed } = await this.o.identities.recordAuthEvents(events, tenant);
    const findings: FindingOutcome[] = [];
    if (options.detect !== false) {
      const ctx = { fingerprinter: this.o.fingerprinter, now: () => new Date(this.o.now()) };
      for (const [i, event] of events.entries()) {
        const identityId = attributed[i];
        if (!identityId || event.outcome !== 'success') continue;
        const history = await this.o.identities.recentAuth(identityId, { sinceMs: event.time - 30 * 86_400_000, limit: 1000 });
        for (const finding of assessAuthEvent({ ...event, identityId }, history, ctx)) findings.push(await this.ingestFinding(finding, { tenant }));
      }
    }
    return { stored, attributed: attributed.filter((a) => a !== undefined).length, findings };
  }

  /**
   * A person vouches for a gate's subject (a dependent that moved to the new secret, or the
   * owner's own rotation); ledgered, then the plan is looked at again.
   */
  async attest(planId: string, input: { step: string; subject: string; actor: string; note?: string }): Promise<{ plan: PlanRecord; steps: StepRecord[] }> {
    await this.o.store.transaction(async (trx) => {
      const plan = await this.o.records.lockPlan(trx, planId);
      if (!plan) throw new WritError('WRIT_NOT_FOUND', `no identity response plan ${planId}`);
      const def = plan.plan.steps.find((s) => s.id === input.step || s.gate?.check === input.step);
      if (!def?.gate) throw new WritError('WRIT_INPUT_INVALID', `plan ${planId} has no gate ${input.step}; its gates: ${plan.plan.steps.filter((s) => s.gate).map((s) => `${s.id} (${s.gate!.check})`).join(', ') || 'none'}`);
      const subjects = def.gate.check === 'owner_rotated' ? [plan.identityId ?? ''] : def.gate.subjects;
      if (!subjects.includes(input.subject)) throw new WritError('WRIT_INPUT_INVALID', `gate ${def.id} covers ${subjects.join(', ')}, not ${input.subject}`);
      const step = (await this.o.records.steps(planId, trx)).find((s) => s.stepId === def.id)!;
      const at = this.o.now();
      const attestations = [...(step.detail.attestations ?? []).filter((a) => a.subject !== input.subject), { subject: input.subject, actor: input.actor, at, ...(input.note ? { note: input.note } : {}) }];
      await this.o.records.updateStep(trx, planId, def.id, { detail: { ...step.detail, attestations } }, at);
      await this.o.ledger.append(trx, [
        { kind: 'identity.gate_attested', actor: input.actor, subjects: { case: plan.caseId ?? undefined, identity: plan.identityId ?? undefined }, payload: { plan: planId, step: def.id, check: def.gate.check, subject: input.subject, note: input.note ?? null } },
      ]);
    });
    await this.o.ledger.afterCommit();
    await this.advance(planId);
    return this.plan(planId);
  }

  /** Looks at a plan again now (the job handler and the CLI call this). */
  async advance(planId: string): Promise<PlanRecord> {
    return this.o.runner.advance(planId);
  }

  async plan(planId: string): Promise<{ plan: PlanRecord; steps: StepRecord[] }> {
    const plan = await this.o.records.plan(planId);
    if (!plan) throw new WritError('WRIT_NOT_FOUND', `no identity response plan ${planId}`);
    return { plan, steps: await this.o.records.steps(planId) };
  }

  async close(): Promise<void> {
    await this.o.onClose?.();
  }


  /** A finding naming a removed identity says when and why it was removed. */
  private async explainMissing(enriched: EnrichedFinding): Promise<void> {
    const id = enriched.finding.writ.credential.identityId;
    if (!id) return;
    const record = await this.o.identities.record(id);
    if (record?.deletedAt != null) {
      enriched.routing = {
        queue: 'owner_less',
        reason: `names identity ${id}, which no longer exists: it was removed from the inventory at ${new Date(record.deletedAt).toISOString()} (${record.deletedReason ?? 'no reason given'}); a person must find out what still uses the credential`,
      };
    }
  }
}

/**
 * What makes two findings "the same": the secret's fingerprints, else the key ids the source
 * named, else (for anomalies naming only an identity) the identity and kind, else the
 * source's own id for the finding.
 */
export function dedupKeyOf(finding: IdentityFinding, enriched: EnrichedFinding): string {
  const cred = finding.writ.credential;
  if (cred.fingerprints.length > 0) return `secret:${[...cred.fingerprints].sort().join(',')}`;
  if (cred.keyIds.length > 0) return `key:${[...cred.keyIds].sort().join(',')}`;
  if (enriched.identity) return `identity:${enriched.identity.id}:${finding.writ.kind}`;
  return `uid:${finding.finding_info.uid}`;
}

