import type { z } from 'zod';

/**
 * Turns a zod issue into a short phrase that names what was expected and never repeats
 * the value that was given: inventory files and scanner reports may hold secrets.
 */
export function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const missing = valueAt(input, issue.path) === undefined;
  switch (issue.code) {
    case 'invalid_type':
      return missing ? 'is required' : `expected ${issue.expected}`;
    case 'invalid_value':
      if (missing) return 'is required';
      return issue.values.length === 1 ? `must be ${String(issue.values[0])}` : `must be one of: ${issue.values.map((v) => String(v)).join(', ')}`;
    case 'too_small':
      return issue.origin === 'array' || issue.origin === 'string'
        ? `must have at least ${String(issue.minimum)} ${issue.origin === 'array' ? 'entries' : 'characters'}`
        : issue.inclusive === false
          ? `must be greater than ${String(issue.minimum)}`
          : `must be at least ${String(issue.minimum)}`;
    case 'too_big':
      return issue.origin === 'array' || issue.origin === 'string'
        ? `must have at most ${String(issue.maximum)} ${issue.origin === 'array' ? 'entries' : 'characters'}`
        : issue.inclusive === false
          ? `must be less than ${String(issue.maximum)}`
          : `must be at most ${String(issue.maximum)}`;
    case 'invalid_format':
      return issue.format === 'regex' ? 'has an invalid format' : `must be a valid ${issue.format}`;
    case 'unrecognized_keys':
      return `has unknown field(s): ${issue.keys.join(', ')}`;
    case 'custom':
      return issue.message;
    default:
      return 'is invalid';
  }
}

/** The value at a zod path, undefined where the path leads nowhere. */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** `a.b[2].c` from a zod path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}
