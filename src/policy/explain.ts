import type { DecisionRequest } from './request.ts';
import type { Match, Tiering } from './tiering.ts';

const MEANING = {
  auto: 'Writ may execute it now',
  approve: 'one human must approve it first',
  dual: 'two distinct humans, neither the requester, must approve it first',
  suggest: 'Writ will not execute it; a human must carry it out',
  deny: 'nobody may do it',
} as const;

function reason(description: string): string {
  return description === '' ? '' : `: ${description.replace(/\.$/, '')}`;
}

/** A readable account of a decision: what it means, which policies made it and why. */
export function explainDecision(
  request: DecisionRequest,
  tiering: Tiering,
  matches: readonly Match[],
  unknown: readonly string[],
): string {
  const { decision, determining, granted } = tiering;
  const subject = `${request.action} by ${request.principal.type} "${request.principal.id}" on ${request.resource.type} "${request.resource.id}"`;
  const parts = [`${decision}: ${MEANING[decision]} (${subject}).`];
  const errorOf = new Map(matches.map((m) => [m.policy.id, m.error]));

  if (decision === 'deny' && granted === 'deny' && determining.length === 0) {
    parts.push('No policy permits it, and Writ denies by default.');
  }
  for (const policy of determining) {
    const error = errorOf.get(policy.id);
    if (policy.effect === 'permit') {
      parts.push(`Permit "${policy.id}" grants ${policy.level}${reason(policy.description)}.`);
    } else if (error !== undefined) {
      parts.push(
        `Forbid "${policy.id}" could not be evaluated (${error}), so it counts as applying and ${policy.level === 'deny' ? 'denies it' : `requires at least ${policy.level}`}${reason(policy.description)}.`,
      );
    } else {
      parts.push(`Forbid "${policy.id}" ${policy.level === 'deny' ? 'denies it' : `requires at least ${policy.level}`}${reason(policy.description)}.`);
    }
  }
  const unevaluated = matches.filter((m) => m.policy.effect === 'permit' && m.error !== undefined);
  if (unevaluated.length > 0) {
    const ids = unevaluated.map((m) => `"${m.policy.id}" (${m.error})`).join(', ');
    parts.push(`Not granted, because they could not be evaluated: ${ids}.`);
  }
  if (unknown.length > 0) parts.push(`Context not given, so treated as unknown: ${unknown.join(', ')}.`);
  return parts.join(' ');
}
