import { randomUUID } from 'node:crypto';
import type { Kernel } from '../../kernel/index.ts';
import type { Ledger } from '../../ledger/index.ts';
import type { Db } from '../../store/index.ts';
import type { EnrichedFinding } from '../findings/enrich.ts';
import type { IdentityFinding } from '../findings/finding.ts';
import type { PlanStrategy, ResponsePlan } from '../plans/proposal.ts';
import type { FindingRecord, PlanRecord, ResponseRecords } from '../store/response-records.ts';
import type { PlanRunner } from './plan-runner.ts';
import { RESPONSE_WORKFLOW_ID } from './principals.ts';

const ACTOR = `workflow:${RESPONSE_WORKFLOW_ID}`;

export interface ProposedStep {
  step: string;
  action: string;
  actionId: string;
  decision: string;
  status: string;
}

export interface FindingOutcome {
  findingId: string;
  uid: string;
  /**
   * - `responding`: a plan runs in a new case;
   * - `routed`: a case was opened for a person (owner-less, ambiguous, identity gone);
   * - `duplicate`: the same secret already has an open response; this joined it;
   * - `escalated`: it has one, but this finding calls for a stronger response (same case);
   * - `closed_by_source`: the source says the finding is resolved; recorded, nothing to do.
   */
  status: 'responding' | 'routed' | 'duplicate' | 'escalated' | 'closed_by_source';
  identityId?: string;
  caseId?: string;
  planId?: string;
  strategy?: PlanStrategy;
  queue: string;
  reason: string;
  proposed: ProposedStep[];
}

export interface OpenResponseInput {
  tenant: string;
  finding: IdentityFinding;
  enriched: EnrichedFinding;
  plan: ResponsePlan;
  dedupKey: string;
  now: number;
  engine: Awaited<ReturnType<Kernel['actions']['policyEngine']>>;
  /** The weaker response already open for this credential, which this one supersedes (same case). */
  open?: FindingRecord;
  openPlan?: PlanRecord | undefined;
}

/**
 * Writes what a finding leads to, inside the intake's transaction: a new response (case,
 * finding, plan and steps, the first proposals), a repeat joining the open response, or a
 * finding the source already closed. Every write is ledgered in the same transaction.
 */
export class ResponseWriter {
  constructor(private readonly o: { kernel: Kernel; ledger: Ledger; records: ResponseRecords; runner: PlanRunner }) {}

  async respond(trx: Db, input: OpenResponseInput): Promise<FindingOutcome> {
    const { tenant, finding, enriched, plan, now } = input;
    const queue = enriched.routing.queue;
    const identityId = enriched.identity?.id;
    const severity = severityOf(finding);
    const caseId =
      input.open?.caseId ??
      (await this.o.kernel.cases.openIn(trx, {
        type: 'identity',
        title: `${identityId ?? 'unmatched credential'}: ${finding.finding_info.title}`.slice(0, 200),
        tenant,
        severity,
        queue,
        openedBy: ACTOR,
        facts: {
          finding: finding.finding_info.uid,
          source: finding.writ.source,
          match: enriched.match,
          routing: enriched.routing,
          identity: identityId ?? null,
          owner: enriched.owner ?? null,
          identity_class: enriched.identityClass ?? null,
          blast_radius: enriched.chain?.blastRadius ?? 0,
          dependents: enriched.chain?.nodes.slice(0, 50).map((n) => n.key) ?? [],
          recent_auth: enriched.authHistory.length,
          strategy: plan.strategy,
          rationale: plan.rationale,
        },
      }));
    const findingId = randomUUID();
    const planId = randomUUID();
    await this.o.records.insertFinding(trx, {
      id: findingId,
      tenant,
      uid: finding.finding_info.uid,
      dedupKey: input.dedupKey,
      source: finding.writ.source,
      kind: finding.writ.kind,
      identityId: identityId ?? null,
      matchStatus: enriched.match.status,
      queue,
      finding,
      caseId,
      planId,
      repeats: 1,
      firstSeen: now,
      lastSeen: now,
    });
    const leaked = identityId ? finding.writ.credential.fingerprints.filter((fp) => enriched.identity!.secretFingerprints.includes(fp)) : [];
    await this.o.records.insertPlan(
      trx,
      { id: planId, tenant, findingId, identityId: identityId ?? null, caseId, strategy: plan.strategy, status: 'active', plan, note: null, createdAt: now, updatedAt: now },
      plan.steps.map((s) => ({
        planId,
        stepId: s.id,
        kind: s.kind,
        status: 'pending',
        actionId: null,
        detail: s.gate?.check === 'owner_rotated' ? { leakedFingerprints: leaked } : {},
        updatedAt: now,
      })),
    );
    if (input.openPlan) await this.o.records.updatePlan(trx, input.openPlan.id, { status: 'superseded', note: `superseded by plan ${planId} (${plan.strategy})` }, now);
    const subjects = { case: caseId, identity: identityId };
    await this.o.ledger.append(trx, [
      {
        kind: 'identity.finding_received',
        actor: ACTOR,
        subjects,
        payload: {
          finding: findingId,
          uid: finding.finding_info.uid,
          source: finding.writ.source,
          kind: finding.writ.kind,
          severity: finding.severity,
          confidence: finding.confidence_score,
          fingerprints: finding.writ.credential.fingerprints,
          key_ids: finding.writ.credential.keyIds,
          match: enriched.match,
          confirmed: enriched.confirmed,
          routing: enriched.routing,
          ignored_fields: finding.unmapped?.ignored_fields ?? [],
        },
      },
      {
        kind: 'identity.plan_created',
        actor: ACTOR,
        subjects,
        payload: {
          plan: planId,
          strategy: plan.strategy,
          rationale: plan.rationale,
          requires_human_approval: plan.requiresHumanApproval,
          blast_radius: enriched.chain?.blastRadius ?? 0,
          steps: plan.steps.map((s) => ({ id: s.id, action: s.proposal?.action ?? null, gate: s.gate?.check ?? null, after: s.after, not_before: s.notBefore ?? null })),
          supersedes: input.openPlan?.id ?? null,
        },
      },
    ]);
    await this.o.runner.applyIn(trx, planId, input.engine);
    const rows = await trx
      .selectFrom('identity_plan_steps as s')
      .innerJoin('actions as a', 'a.id', 's.action_id')
      .select(['s.step_id', 'a.id', 'a.type', 'a.decision', 'a.status'])
      .where('s.plan_id', '=', planId)
      .execute();
    const proposed: ProposedStep[] = rows
      .map((r) => ({ step: r.step_id, action: r.type, actionId: r.id, decision: r.decision, status: r.status }))
      .sort((a, b) => Number(a.step.slice(1)) - Number(b.step.slice(1)));
    const routed = plan.strategy === 'owner_less_case' || plan.strategy === 'analyst_review';
    return {
      findingId,
      uid: finding.finding_info.uid,
      status: input.open ? 'escalated' : routed ? 'routed' : 'responding',
      ...(identityId ? { identityId } : {}),
      caseId,
      planId,
      strategy: plan.strategy,
      queue,
      reason: enriched.routing.reason,
      proposed,
    };
  }

  /** The same secret (or the same source finding) already has an open response: record the repeat, change nothing else. */
  async joinOpen(trx: Db, open: FindingRecord, finding: IdentityFinding, plan: ResponsePlan, now: number): Promise<FindingOutcome> {
    await this.o.records.markRepeat(trx, open.id, now);
    const resolved = plan.strategy === 'no_action';
    await this.o.ledger.append(trx, [
      {
        kind: resolved ? 'identity.finding_resolved_by_source' : 'identity.finding_repeated',
        actor: ACTOR,
        subjects: { case: open.caseId ?? undefined, identity: open.identityId ?? undefined },
        payload: { first: open.id, uid: finding.finding_info.uid, source: finding.writ.source, kind: finding.writ.kind, repeats: open.repeats + 1 },
      },
    ]);
    return {
      findingId: open.id,
      uid: finding.finding_info.uid,
      status: 'duplicate',
      ...(open.identityId ? { identityId: open.identityId } : {}),
      ...(open.caseId ? { caseId: open.caseId } : {}),
      ...(open.planId ? { planId: open.planId } : {}),
      queue: open.queue,
      reason: resolved ? 'the source reports this finding resolved; the open response continues' : `the same credential already has an open response (finding ${open.id}, seen ${open.repeats + 1} times)`,
      proposed: [],
    };
  }

  /** A finding the source already closed, with no open response: recorded for the record only. */
  async recordClosed(trx: Db, tenant: string, finding: IdentityFinding, enriched: EnrichedFinding, dedupKey: string, now: number): Promise<FindingOutcome> {
    const id = randomUUID();
    await this.o.records.insertFinding(trx, {
      id,
      tenant,
      uid: finding.finding_info.uid,
      dedupKey,
      source: finding.writ.source,
      kind: finding.writ.kind,
      identityId: enriched.identity?.id ?? null,
      matchStatus: enriched.match.status,
      queue: 'none',
      finding,
      caseId: null,
      planId: null,
      repeats: 1,
      firstSeen: now,
      lastSeen: now,
    });
    await this.o.ledger.append(trx, [
      { kind: 'identity.finding_received', actor: ACTOR, subjects: { identity: enriched.identity?.id }, payload: { finding: id, uid: finding.finding_info.uid, source: finding.writ.source, status: finding.status, action: 'none: the source closed it' } },
    ]);
    return { findingId: id, uid: finding.finding_info.uid, status: 'closed_by_source', ...(enriched.identity ? { identityId: enriched.identity.id } : {}), queue: 'none', reason: `the source closed the finding (${finding.status})`, proposed: [] };
  }
}

function severityOf(finding: IdentityFinding): 'low' | 'medium' | 'high' | 'critical' {
  const id = finding.severity_id;
  return id >= 5 ? 'critical' : id === 4 ? 'high' : id === 3 ? 'medium' : 'low';
}
