import type { z } from 'zod';
import { WritError } from '../errors/index.ts';
import { loadConfig } from '../config/index.ts';
import { openApp, type App } from '../app/index.ts';

/** Opens the app for one command and always closes it (which signs a final checkpoint). */
export async function withApp<T>(body: (app: App) => Promise<T>): Promise<T> {
  const app = await openApp(loadConfig());
  try {
    return await body(app);
  } finally {
    await app.close();
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Parses a non-negative integer option, or throws a one-line error naming the flag. */
export function parseIndex(flag: string, text: string): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new CliUsageError(`${flag} must be a non-negative integer, got "${text}"`);
  }
  return Number(text);
}

export class CliUsageError extends WritError {
  constructor(message: string) {
    super('WRIT_INPUT_INVALID', message);
  }
}

/** Validates input against a schema; the first problem becomes one line naming the field. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : what;
  throw new CliUsageError(`${what}: ${where}: ${issue?.message ?? 'invalid'}`);
}
