import { WritError } from '../../errors/index.ts';
import type { JobQueue } from '../../jobs/index.ts';
import type { Kernel } from '../../kernel/index.ts';
import type { Ledger, LedgerEntryInput } from '../../ledger/index.ts';
import type { PolicyEngine } from '../../policy/index.ts';
import type { Db, Store } from '../../store/index.ts';
import type { PlanStep } from '../plans/proposal.ts';
import type { IdentityStore } from '../store/identity-store.ts';
import type { PlanRecord, ResponseRecords, StepDetail, StepRecord, StepStatus } from '../store/response-records.ts';
import { evaluateGate, type DependentProbe, type GateOutcome } from './gates.ts';
import type { IdentityActionResult } from './kernel-connector.ts';
import { kernelProposal, responsePrincipal } from './principals.ts';
import type { RotationTracker } from './rotations.ts';

export const PLAN_ADVANCE_JOB = 'identity.plan.advance';
const ACTOR = 'workflow:identity-response';

export interface PlanRunnerOptions {
  store: Store;
  ledger: Ledger;
  jobs: JobQueue;
  kernel: Kernel;
  identities: IdentityStore;
  records: ResponseRecords;
  rotations: RotationTracker;
  probe?: DependentProbe;
  /** The person who owns the playbook; they may not approve what it proposes. */
  owner?: string;
  /** How often a plan with work in flight (approvals, executions, gates) is looked at again. */
  pollMs: number;
  now: () => number;
}

/** Statuses after which a step no longer holds up the steps that come after it. */
const COMPLETE: ReadonlySet<StepStatus> = new Set(['done', 'skipped', 'missed']);
const TERMINAL: ReadonlySet<StepStatus> = new Set(['done', 'skipped', 'missed', 'failed', 'cancelled']);

/**
 * Carries a response plan through the kernel, step by step: proposes each action once its
 * predecessors completed and its time came (`notBefore`), follows the kernel's decision and
 * execution, evaluates gates by reading the world back, skips what a passed gate made
 * unnecessary, ends temporary access once dependents moved, and routes the case to an
 * analyst when a step fails. Idempotent: it can run any number of times, from any worker.
 */
export class PlanRunner {
  constructor(private readonly o: PlanRunnerOptions) {}

  async advance(planId: string): Promise<PlanRecord> {
    const { records, kernel, ledger, store } = this.o;
    for (let round = 0; round < 4; round++) {
      const plan = await records.plan(planId);
      if (!plan) throw new WritError('WRIT_NOT_FOUND', `no identity response plan ${planId}`);
      if (plan.status !== 'active' && plan.status !== 'stalled') return plan;
      if (plan.caseId && (await kernel.cases.get(plan.caseId)).status === 'closed') return this.closeOut(plan);
      const gates = await this.evaluateGates(plan);
      const engine = await kernel.actions.policyEngine();
      const more = await store.transaction((trx) => this.applyIn(trx, planId, engine, gates));
      await ledger.afterCommit();
      const retired = await this.retireWhereDependentsMoved(planId);
      if (!more && !retired) break;
    }
    return (await records.plan(planId))!;
  }

  /**
   * Moves the plan on within the caller's transaction (no outside system is touched here):
   * syncs action steps with the kernel, applies gate outcomes, proposes what is ready, sets
   * the plan's status and schedules the next look. True when another round may move more.
   */
  async applyIn(trx: Db, planId: string, engine: PolicyEngine, evaluated: ReadonlyMap<string, GateOutcome> = new Map()): Promise<boolean> {
    let gates = evaluated;
    const { records } = this.o;
    const plan = await records.lockPlan(trx, planId);
    if (!plan || (plan.status !== 'active' && plan.status !== 'stalled')) return false;
    const now = this.o.now();
    const steps = new Map((await records.steps(planId, trx)).map((s) => [s.stepId, s]));
    const spec = new Map(plan.plan.steps.map((s) => [s.id, s]));
    const entries: LedgerEntryInput[] = [];
    const subjects = { case: plan.caseId ?? undefined, identity: plan.identityId ?? undefined };
    const set = async (step: StepRecord, status: StepStatus, detail: StepDetail, actionId?: string) => {
      step.status = status;
      step.detail = detail;
      if (actionId !== undefined) step.actionId = actionId;
      await records.updateStep(trx, planId, step.stepId, { status, detail, ...(actionId !== undefined ? { actionId } : {}) }, now);
    };
    let newlyEligibleGate = false;
    const synced = new Set<string>();

    for (let pass = 0, changed = true; changed && pass < 20; pass++) {
      changed = false;
      for (const step of steps.values()) {
        const def = spec.get(step.stepId);
        if (!def || TERMINAL.has(step.status)) continue;
        if (step.status === 'proposed' && step.actionId) {
          // Once per look: the kernel's state does not move inside this transaction.
          if (synced.has(step.stepId)) continue;
          synced.add(step.stepId);
          const update = await this.syncAction(trx, step);
          if (update) {
            await set(step, update.status, update.detail);
            changed = true;
          }
          continue;
        }
        if (step.kind === 'gate') {
          const outcome = gates.get(step.stepId);
          if (outcome && step.status === 'waiting' && this.ready(def, steps)) {
            gates = new Map([...gates].filter(([id]) => id !== step.stepId));
            await set(step, outcome.status, { ...step.detail, checks: outcome.checks, checkedAt: now, note: outcome.note });
            if (outcome.status !== 'waiting') {
              entries.push({ kind: outcome.status === 'done' ? 'identity.gate_passed' : 'identity.gate_missed', actor: ACTOR, subjects, payload: { plan: planId, step: step.stepId, check: def.gate?.check, note: outcome.note, checks: outcome.checks } });
              changed = true;
            }
          } else if (step.status === 'pending' && this.ready(def, steps)) {
            // Gates read outside systems, so they are evaluated outside this transaction, next round.
            await set(step, 'waiting', { ...step.detail, note: 'to be checked' });
            newlyEligibleGate = true;
          }
          continue;
        }
        if (step.status !== 'pending') continue;
        if (def.skipIfPassed) {
          const gate = steps.get(def.skipIfPassed);
          if (gate?.status === 'done') {
            await set(step, 'skipped', { ...step.detail, note: `not needed: gate ${def.skipIfPassed} passed` });
            entries.push({ kind: 'identity.step_skipped', actor: ACTOR, subjects, payload: { plan: planId, step: step.stepId, action: def.proposal?.action, because: def.skipIfPassed } });
            changed = true;
            continue;
          }
          if (gate?.status !== 'missed') continue;
        }
        if (!this.ready(def, steps)) continue;
        if (def.notBefore !== undefined && now < Date.parse(def.notBefore)) continue;
        await this.start(trx, plan, step, def, engine, set, entries);
        changed = true;
      }
    }

    const status = this.planStatus(plan, [...steps.values()]);
    const retiring = await this.retirementPending(trx, [...steps.values()]);
    const finished = status === 'completed' && !retiring;
    const next: PlanRecord['status'] = status === 'completed' && !finished ? 'active' : status;
    if (next !== plan.status) {
      await records.updatePlan(trx, planId, { status: next, ...(next === 'stalled' ? { note: this.stallReason([...steps.values()]) } : {}) }, now);
      entries.push({ kind: `identity.plan_${next}`, actor: ACTOR, subjects, payload: { plan: planId, strategy: plan.strategy, steps: [...steps.values()].map((s) => ({ step: s.stepId, status: s.status, action: s.actionId })) } });
      if (next === 'stalled' && plan.caseId) await this.routeToAnalyst(trx, plan, engine);
    }
    if (entries.length > 0) await this.o.ledger.append(trx, entries);
    if (next === 'active' || next === 'stalled') await this.schedule(trx, plan, [...steps.values()], spec, newlyEligibleGate, retiring);
    return newlyEligibleGate;
  }

  /** The case closed: temporary access ends now, and nothing still pending will run. */
  private async closeOut(plan: PlanRecord): Promise<PlanRecord> {
    const steps = await this.o.records.steps(plan.id);
    for (const step of steps) {
      if (step.actionId && spec(plan, step.stepId)?.proposal?.action === 'rotate_secret') {
        await this.o.rotations.retire(step.actionId, 'the case closed, which ends temporary access it created');
      }
    }
    await this.o.store.transaction(async (trx) => {
      const now = this.o.now();
      for (const step of steps) {
        if (!TERMINAL.has(step.status) && step.status !== 'proposed') await this.o.records.updateStep(trx, plan.id, step.stepId, { status: 'cancelled', detail: { ...step.detail, note: 'the case closed first' } }, now);
      }
      await this.o.records.updatePlan(trx, plan.id, { status: 'closed' }, now);
      await this.o.ledger.append(trx, [{ kind: 'identity.plan_closed', actor: ACTOR, subjects: { case: plan.caseId ?? undefined, identity: plan.identityId ?? undefined }, payload: { plan: plan.id, reason: 'case closed' } }]);
    });
    await this.o.ledger.afterCommit();
    return (await this.o.records.plan(plan.id))!;
  }

  private async evaluateGates(plan: PlanRecord): Promise<Map<string, GateOutcome>> {
    const out = new Map<string, GateOutcome>();
    const steps = await this.o.records.steps(plan.id);
    const byId = new Map(steps.map((s) => [s.stepId, s]));
    const waiting = steps.filter((s) => s.kind === 'gate' && s.status === 'waiting');
    if (waiting.length === 0) return out;
    const identity = plan.identityId ? await this.o.identities.get(plan.identityId) : undefined;
    const writRotations = plan.identityId
      ? await this.o.store.db
          .selectFrom('actions')
          .select(['id', 'result', 'executed_at'])
          .where('target_kind', '=', 'identity')
          .where('target_id', '=', plan.identityId)
          .where('type', '=', 'rotate_secret')
          .where('status', '=', 'executed')
          .where('executed_at', '>=', plan.createdAt)
          .execute()
      : [];
    for (const step of waiting) {
      const def = spec(plan, step.stepId);
      if (!def) continue;
      const rotation = await this.rotationBefore(def, plan, byId);
      out.set(step.stepId, await evaluateGate({ plan, step, planStep: def, identity, rotatedByWrit: writRotations.length > 0, now: this.o.now(), ...(rotation ? { rotation } : {}), ...(this.o.probe ? { probe: this.o.probe } : {}) }));
    }
    return out;
  }

  /** The rotation a dependents gate follows (walking back along `after`), from the kernel's record. */
  private async rotationBefore(def: PlanStep, plan: PlanRecord, steps: Map<string, StepRecord>) {
    const seen = new Set<string>();
    const queue = [...def.after];
    while (queue.length > 0) {
      const id = queue.shift()!;
      if (seen.has(id)) continue;
      seen.add(id);
      const before = spec(plan, id);
      const record = steps.get(id);
      if (before?.proposal?.action === 'rotate_secret' && record?.actionId) {
        const row = await this.o.store.db.selectFrom('actions').select(['result', 'executed_at']).where('id', '=', record.actionId).where('status', '=', 'executed').executeTakeFirst();
        const result = row?.result ? ((JSON.parse(row.result) as { result?: IdentityActionResult }).result ?? undefined) : undefined;
        return { newSecretFingerprint: result?.newSecretFingerprint ?? null, rotatedAt: row?.executed_at ?? null };
      }
      if (before) queue.push(...before.after);
    }
    return undefined;
  }

  /** The second half of each coordinated rotation whose dependent gates have all passed. */
  private async retireWhereDependentsMoved(planId: string): Promise<boolean> {
    const plan = await this.o.records.plan(planId);
    if (!plan) return false;
    const steps = new Map((await this.o.records.steps(planId)).map((s) => [s.stepId, s]));
    let any = false;
    for (const def of plan.plan.steps) {
      const step = steps.get(def.id);
      if (def.proposal?.action !== 'rotate_secret' || step?.status !== 'done' || !step.actionId || !def.retireOldAfter) continue;
      if (!def.retireOldAfter.every((g) => steps.get(g)?.status === 'done')) continue;
      const rotation = await this.o.rotations.get(step.actionId);
      if (rotation?.status !== 'pending') continue;
      await this.o.rotations.retire(step.actionId, 'every dependent moved to the new secret and is healthy on it');
      any = true;
    }
    return any;
  }

  private ready(def: PlanStep, steps: Map<string, StepRecord>): boolean {
    return def.after.every((id) => COMPLETE.has(steps.get(id)?.status ?? 'pending'));
  }

  /** Starts an action step: the response case stands for `open_case`, notices are handled, the rest go to the kernel. */
  private async start(
    trx: Db,
    plan: PlanRecord,
    step: StepRecord,
    def: PlanStep,
    engine: PolicyEngine,
    set: (step: StepRecord, status: StepStatus, detail: StepDetail, actionId?: string) => Promise<void>,
    entries: LedgerEntryInput[],
  ): Promise<void> {
    const proposal = def.proposal!;
    const subjects = { case: plan.caseId ?? undefined, identity: plan.identityId ?? undefined };
    if (proposal.action === 'open_case') {
      await set(step, 'done', { ...step.detail, note: `the response case ${plan.caseId ?? ''} is this step's case` });
      return;
    }
    if (proposal.action === 'notify_external') {
      const recipients = (proposal.params.recipients as string[] | undefined) ?? [];
      const template = String(proposal.params.template ?? 'owner_notice');
      // The catalogue has no owner notice, and the notification connector sends reporter notes
      // only: the notice is recorded on the case (and ledgered) for a person to send.
      const why =
        recipients.length === 0
          ? 'the owner has no contact in the inventory'
          : template === 'owner_notice'
            ? 'the action catalogue has no owner-notice action yet, so the notice is recorded on the case for the owner team'
            : 'no connector sends partner notices yet, so the notice is recorded on the case for a person to send';
      await set(step, 'done', { ...step.detail, notice: { recipients, template, delivered: false }, note: why });
      entries.push({ kind: 'identity.owner_notice_recorded', actor: ACTOR, subjects, payload: { plan: plan.id, step: step.stepId, recipients, template, delivered: false, why } });
      return;
    }
    if (!plan.caseId) throw new WritError('WRIT_INTERNAL', `plan ${plan.id} has no case to propose in`);
    const view = await this.o.kernel.actions.proposeIn(trx, kernelProposal(def, { caseId: plan.caseId, tenant: plan.tenant, ...(this.o.owner ? { owner: this.o.owner } : {}) }), engine);
    const detail = { ...step.detail, decision: view.decision, actionStatus: view.status };
    const decided = settled(view.status, view.explanation, null, null);
    await set(step, decided?.status ?? 'proposed', decided ? { ...detail, note: decided.note } : detail, view.id);
  }

  /** Follows a proposed step's kernel action; undefined while it is still on its way. */
  private async syncAction(trx: Db, step: StepRecord): Promise<{ status: StepStatus; detail: StepDetail } | undefined> {
    const row = await trx.selectFrom('actions').select(['status', 'decision', 'result', 'error', 'explanation']).where('id', '=', step.actionId!).executeTakeFirst();
    if (!row) return { status: 'failed', detail: { ...step.detail, note: `action ${step.actionId} is missing` } };
    const detail = { ...step.detail, decision: row.decision, actionStatus: row.status };
    const outcome = settled(row.status, row.explanation, row.result, row.error);
    if (outcome) return { status: outcome.status, detail: { ...detail, note: outcome.note } };
    return detail.actionStatus === step.detail.actionStatus ? undefined : { status: 'proposed', detail };
  }

  private planStatus(plan: PlanRecord, steps: StepRecord[]): PlanRecord['status'] {
    if (steps.some((s) => s.status === 'failed')) return 'stalled';
    if (steps.every((s) => TERMINAL.has(s.status))) return 'completed';
    return plan.status === 'stalled' ? 'stalled' : 'active';
  }

  private stallReason(steps: StepRecord[]): string {
    return steps
      .filter((s) => s.status === 'failed')
      .map((s) => `${s.stepId}: ${s.detail.note ?? 'failed'}`)
      .join('; ');
  }

  private async retirementPending(trx: Db, steps: StepRecord[]): Promise<boolean> {
    const ids = steps.map((s) => s.actionId).filter((id): id is string => id !== null);
    if (ids.length === 0) return false;
    const row = await trx.selectFrom('identity_rotations').select('action_id').where('action_id', 'in', ids).where('status', 'in', ['pending', 'retiring']).executeTakeFirst();
    return row !== undefined;
  }

  /** A stalled plan needs a person: the case moves to the analyst queue (a governed route_case). */
  private async routeToAnalyst(trx: Db, plan: PlanRecord, engine: PolicyEngine): Promise<void> {
    const kase = await trx.selectFrom('cases').select('queue').where('id', '=', plan.caseId!).executeTakeFirst();
    if (kase?.queue === 'analyst') return;
    await this.o.kernel.actions.proposeIn(
      trx,
      { principal: responsePrincipal(this.o.owner), type: 'route_case', target: { type: 'case', id: plan.caseId! }, params: { queue: 'analyst' }, caseId: plan.caseId!, tenant: plan.tenant },
      engine,
    );
  }

  /**
   * The next look at the plan: at the earliest deadline or `notBefore` still ahead, or after
   * `pollMs` while something is in flight (an approval, an execution, a gate, a retirement).
   */
  private async schedule(trx: Db, plan: PlanRecord, steps: StepRecord[], defs: Map<string, PlanStep>, immediately: boolean, retiring: boolean): Promise<void> {
    const now = this.o.now();
    const times: number[] = [];
    if (immediately) times.push(now);
    for (const step of steps) {
      const def = defs.get(step.stepId);
      if (!def || TERMINAL.has(step.status)) continue;
      // An owner's rotation only matters at the deadline: look then, not every poll.
      if (step.status === 'proposed' || (step.status === 'waiting' && !def.gate?.deadline)) times.push(now + this.o.pollMs);
      if (def.notBefore && Date.parse(def.notBefore) > now) times.push(Date.parse(def.notBefore));
      if (def.gate?.deadline && Date.parse(def.gate.deadline) > now) times.push(Date.parse(def.gate.deadline));
    }
    if (retiring) times.push(now + this.o.pollMs);
    if (times.length === 0) return;
    const runAt = Math.min(...times);
    await this.o.jobs.enqueue(trx, { kind: PLAN_ADVANCE_JOB, payload: { planId: plan.id }, idempotencyKey: `${PLAN_ADVANCE_JOB}:${plan.id}:${runAt}`, runAt });
  }
}

/** Where a kernel action status leaves its step; undefined while the action is still on its way. */
function settled(status: string, explanation: string, result: string | null, error: string | null): { status: StepStatus; note: string } | undefined {
  switch (status) {
    case 'executed': {
      const evidence = result ? (JSON.parse(result) as { evidence?: { ok?: unknown } }).evidence : undefined;
      if (evidence && evidence.ok === false) return { status: 'failed', note: 'executed, but reading the system back did not confirm the effect' };
      return { status: 'done', note: 'executed and read back' };
    }
    case 'denied':
      return { status: 'failed', note: `policy denied it: ${explanation}` };
    case 'suggested':
      return { status: 'failed', note: 'policy leaves this to a person to carry out' };
    case 'rejected':
    case 'expired':
    case 'rolled_back':
      return { status: 'failed', note: `the action was ${status.replace('_', ' ')}` };
    case 'failed':
      return { status: 'failed', note: `the action failed: ${error ?? 'no error recorded'}` };
    default:
      return undefined;
  }
}

function spec(plan: PlanRecord, stepId: string): PlanStep | undefined {
  return plan.plan.steps.find((s) => s.id === stepId);
}
