import type { Principal, Proposal as KernelProposal } from '../../kernel/index.ts';
import type { PlanStep } from '../plans/proposal.ts';

/**
 * The identity playbook's own identity. Policies deny a workflow that proposes an action it
 * did not declare, so the list is exactly what the playbook proposes: the plan's actions on
 * identities, and routing its case to an analyst when the plan stalls.
 */
export const RESPONSE_WORKFLOW_ID = 'identity-response';
export const RESPONSE_ACTIONS = ['revoke_token', 'disable_account', 'rotate_secret', 'shorten_session_lifetime', 'route_case'] as const;

/**
 * The same playbook acting at a staged plan's deadline, with nobody in the loop. A principal
 * of its own so that a policy can let exactly this path act alone (the owner was warned and
 * let the deadline pass) without letting the playbook's first reaction do the same.
 */
export const DEADLINE_WORKFLOW_ID = 'identity-response-deadline';
export const DEADLINE_ACTIONS = ['revoke_token', 'disable_account', 'rotate_secret', 'route_case'] as const;

export function responsePrincipal(owner?: string): Principal {
  return { type: 'workflow', id: RESPONSE_WORKFLOW_ID, actions: RESPONSE_ACTIONS, ...(owner ? { owner } : {}) };
}

export function deadlinePrincipal(owner?: string): Principal {
  return { type: 'workflow', id: DEADLINE_WORKFLOW_ID, actions: DEADLINE_ACTIONS, ...(owner ? { owner } : {}) };
}

/**
 * A plan step's proposal as the kernel takes it. The plan supplies what it knows
 * (confidence, class, dependents, severity); the kernel computes reversibility, blast
 * radius (from the transitive dependent count given as a fact), origin, mode and the
 * tenant's regulated flag. Identity findings carry one calibrated confidence and no separate
 * uncertainty estimate, so uncertainty is its complement.
 */
export function kernelProposal(step: PlanStep, input: { caseId: string; tenant: string; owner?: string }): KernelProposal {
  const proposal = step.proposal;
  if (!proposal) throw new Error(`step ${step.id} is a gate, not an action`);
  const ctx = proposal.context;
  const principal = step.notBefore !== undefined && step.skipIfPassed !== undefined ? deadlinePrincipal(input.owner) : responsePrincipal(input.owner);
  return {
    principal,
    type: proposal.action,
    target: { type: 'identity', id: proposal.target.id },
    params: proposal.params,
    caseId: input.caseId,
    tenant: input.tenant,
    context: {
      confidence: ctx.confidence,
      uncertainty: Math.round((1 - ctx.confidence) * 1000) / 1000,
      dependents: ctx.dependents,
      ...(ctx.identity_class ? { identity_class: ctx.identity_class } : {}),
      severity: ctx.severity,
    },
    facts: { dependents: ctx.blast_radius },
  };
}
