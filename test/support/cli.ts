import { spawnSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const WRIT_BIN = join(import.meta.dirname, '../../bin/writ.js');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `writ ARGS…` as a user would, in its own process. */
export function runWrit(args: string[], env: NodeJS.ProcessEnv = {}, input?: string): CliResult {
  const result = spawnSync(process.execPath, [WRIT_BIN, ...args], {
    env: { ...process.env, WRIT_LOG_LEVEL: 'silent', ...env },
    encoding: 'utf8',
    input,
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function spawnWrit(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, [WRIT_BIN, ...args], { env: { ...process.env, WRIT_LOG_LEVEL: 'silent', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}
