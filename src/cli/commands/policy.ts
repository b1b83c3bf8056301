import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { policySetInForce } from '../policy-in-force.ts';
import { isWritError, WritError } from '../../errors/index.ts';
import {
  DEFAULT_POLICY_DIR,
  loadPolicyDir,
  policyDrift,
  PolicyEngine,
  readJsonFile,
  readRequests,
  runPolicyTests,
  type CompiledPolicySet,
} from '../../policy/index.ts';

const MAX_ERRORS_SHOWN = 20;

export function register(program: Command): void {
  const policy = program.command('policy').description('Cedar policies: check, test against fixtures, explain a decision, compare tenants');

  policy
    .command('check')
    .description('validate a policy directory (DIR/*.cedar, DIR/tenants/<tenant>/*.cedar) against the schema')
    .argument('<dir>', 'policy directory')
    .action((dir: string) => {
      let set: CompiledPolicySet;
      try {
        set = loadPolicyDir(resolve(dir));
      } catch (error) {
        const all = isWritError(error, 'WRIT_POLICY_INVALID') ? (error.details?.errors as string[] | undefined) : undefined;
        if (all === undefined) throw error;
        // Every problem at once, one per line, so a whole set can be fixed in one pass.
        const shown = all.slice(0, MAX_ERRORS_SHOWN).map((line) => `WRIT_POLICY_INVALID: ${line}`);
        if (all.length > MAX_ERRORS_SHOWN) shown.push(`... and ${all.length - MAX_ERRORS_SHOWN} more`);
        process.stderr.write(`${shown.join('\n')}\n`);
        process.exitCode = 1;
        return;
      }
      const tenants = set.tenants.length === 0 ? 'no tenant overlays' : `overlays: ${set.tenants.join(', ')}`;
      const lines = [`ok: ${set.policies.length} policies (${tenants}), version ${set.version}`];
      for (const warning of set.warnings) lines.push(`warning: ${warning}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  policy
    .command('test')
    .description('run DIR/fixtures/*.json (request -> expected decision); exit 1 on any mismatch')
    .argument('<dir>', 'policy directory')
    .action((dir: string) => {
      const report = runPolicyTests(resolve(dir));
      if (report.results.length === 0) {
        throw new WritError('WRIT_INPUT_INVALID', `no fixtures in ${join(dir, 'fixtures')} (expected *.json files)`);
      }
      const rows = report.results.map((r) => [r.ok ? 'pass' : 'FAIL', r.file, r.name, r.expected, r.actual]);
      const lines = table(['RESULT', 'FILE', 'CASE', 'EXPECTED', 'ACTUAL'], rows);
      for (const r of report.results) if (!r.ok && r.message !== undefined) lines.push(`FAIL ${r.file} "${r.name}": ${r.message}`);
      lines.push(`${report.passed} passed, ${report.failed} failed (policy version ${report.version})`);
      if (report.uncovered.length > 0) lines.push(`not exercised by any fixture: ${report.uncovered.join(', ')}`);
      process.stdout.write(`${lines.join('\n')}\n`);
      if (report.failed > 0) process.exitCode = 1;
    });

  policy
    .command('explain')
    .description('decide one request and say why')
    .requiredOption('--request <file>', 'decision request (JSON)')
    .option('--policies <dir>', 'policy directory (default: the version in force: the deployed one, or the shipped defaults)')
    .option('--json', 'print {"decision", "policies", "version", "explanation"}')
    .action(async (options: { request: string; policies?: string; json?: boolean }) => {
      const request = readJsonFile(options.request);
      const engine = new PolicyEngine(options.policies === undefined ? await policySetInForce() : loadPolicyDir(resolve(options.policies)));
      try {
        const d = engine.decide(request);
        if (options.json) {
          printJson({ decision: d.decision, policies: d.policies, version: d.version, explanation: d.explanation });
        } else {
          const policies = d.policies.length === 0 ? '(none: default deny)' : d.policies.join(', ');
          process.stdout.write(`decision: ${d.decision}\npolicies: ${policies}\nversion:  ${d.version}\n${d.explanation}\n`);
        }
      } finally {
        engine.close();
      }
    });

  policy
    .command('drift')
    .description("show where tenants' effective decisions (base + overlay) differ for the same request")
    .option('--policies <dir>', 'policy directory (default: the shipped defaults)')
    .option('--requests <path>', 'a request file, an array of requests, fixture files, or a directory of them (default: DIR/fixtures)')
    .option('--all', 'list every request, not only those that differ')
    .option('--json', 'print the report as JSON')
    .action((options: { policies?: string; requests?: string; all?: boolean; json?: boolean }) => {
      const dir = options.policies === undefined ? DEFAULT_POLICY_DIR : resolve(options.policies);
      const source = options.requests ?? join(dir, 'fixtures');
      if (options.requests === undefined && !existsSync(source)) {
        throw new WritError('WRIT_INPUT_INVALID', `no requests: give --requests FILE|DIR (${source} does not exist)`);
      }
      const engine = new PolicyEngine(loadPolicyDir(dir));
      try {
        const report = policyDrift(engine, readRequests(source));
        const rows = options.all ? report.rows : report.rows.filter((r) => r.differs);
        if (options.json) {
          printJson({ version: report.version, scopes: report.scopes, rows });
          return;
        }
        const lines: string[] = [];
        if (report.scopes.length === 1) lines.push('no tenant overlays: every tenant decides as the base does');
        else if (rows.length === 0) lines.push(`no drift: ${report.rows.length} requests decide alike in ${report.scopes.join(', ')}`);
        else {
          lines.push(...table(['REQUEST', ...report.scopes], rows.map((r) => [r.name, ...report.scopes.map((s) => r.decisions[s] ?? '')])));
          lines.push(`${report.rows.filter((r) => r.differs).length} of ${report.rows.length} requests differ between tenants`);
        }
        process.stdout.write(`${lines.join('\n')}\n`);
      } finally {
        engine.close();
      }
    });
}

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Left-aligned columns; long cells are cut so a row stays on one line. */
function table(header: string[], rows: string[][]): string[] {
  const cut = (s: string) => (s.length > 70 ? `${s.slice(0, 67)}...` : s);
  const all = [header, ...rows].map((row) => row.map(cut));
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  return all.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '));
}
