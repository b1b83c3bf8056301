export {
  PLAN_ACTIONS,
  PLAN_STRATEGIES,
  REVERSIBLE,
  REVOKING_ACTIONS,
  type PlanAction,
  type PlanStrategy,
  type PlanStep,
  type GateCheck,
  type PolicySeverity,
  type Proposal,
  type ProposalContext,
  type ResponsePlan,
} from './proposal.ts';
export { planResponse, planForEnriched, isConfirmed, type PlanOptions } from './plan-response.ts';
