import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { isWritError, WritError } from '../../errors/index.ts';
import { toCacao, validateCacao } from '../../playbooks/cacao.ts';
import { DEFAULT_PLAYBOOK_DIR, loadPlaybookDir, parsePlaybook, type Playbook } from '../../playbooks/playbook.ts';

/**
 * `writ playbook check [DIR]` validates every YAML playbook in a directory (schema, action
 * catalogue, declared actions, unique ids, and that each exports as valid CACAO), reporting
 * every problem, not just the first. `writ playbook export-cacao [ID]` writes one playbook as
 * OASIS CACAO 2.0 JSON. Neither touches the database.
 */
export function register(program: Command): void {
  const playbook = program.command('playbook').description('playbooks as code: validate them, export them as OASIS CACAO 2.0');

  playbook
    .command('check')
    .description('validate the YAML playbooks in DIR (default: the shipped playbooks/); exit 1 on any problem')
    .argument('[dir]', 'playbook directory')
    .action((dir: string | undefined) => {
      const root = resolve(dir ?? DEFAULT_PLAYBOOK_DIR);
      const files = playbookFiles(root);
      const ok: string[] = [];
      const problems: string[] = [];
      const byId = new Map<string, string>();
      for (const name of files) {
        let parsed: Playbook;
        try {
          parsed = parsePlaybook(readFileSync(join(root, name), 'utf8'), name);
        } catch (error) {
          if (!isWritError(error)) throw error;
          problems.push(`${error.code}: ${error.message}`);
          continue;
        }
        const { id, version, rules } = parsed.definition;
        const other = byId.get(id);
        if (other !== undefined) {
          problems.push(`WRIT_INPUT_INVALID: ${name}: id "${id}" is already used by ${other}`);
          continue;
        }
        byId.set(id, name);
        const cacao = validateCacao(toCacao(parsed));
        if (!cacao.valid) {
          problems.push(...cacao.errors.map((e) => `WRIT_INTERNAL: ${name}: the CACAO export is invalid: ${e}`));
          continue;
        }
        ok.push(`ok: ${name}: ${id} v${version}, ${rules.length} rule(s), sha256:${parsed.digest.slice(0, 12)}`);
      }
      if (ok.length > 0) process.stdout.write(`${ok.join('\n')}\n`);
      if (problems.length > 0) {
        process.stderr.write(`${problems.join('\n')}\n`);
        process.exitCode = 1;
      }
    });

  playbook
    .command('export-cacao')
    .description('write a playbook as OASIS CACAO 2.0 JSON (ID may be left out when DIR holds one playbook)')
    .argument('[id]', 'playbook id')
    .option('--dir <dir>', 'playbook directory (default: the shipped playbooks/)')
    .option('--out <file>', 'write here instead of standard output')
    .option('--created-by <identity>', 'created_by: identity--<uuid>, or a name to derive one from (default: the playbook owner)')
    .option('--timestamp <iso>', 'created and modified (default: now); fix it for a byte-identical export')
    .action((id: string | undefined, options: { dir?: string; out?: string; createdBy?: string; timestamp?: string }) => {
      const root = resolve(options.dir ?? DEFAULT_PLAYBOOK_DIR);
      playbookFiles(root);
      const chosen = choose(loadPlaybookDir(root), id, root);
      const now = options.timestamp === undefined ? new Date() : parseTimestamp(options.timestamp);
      const doc = toCacao(chosen, { now, ...(options.createdBy ? { createdBy: options.createdBy } : {}) });
      const check = validateCacao(doc);
      if (!check.valid) throw new WritError('WRIT_INTERNAL', `the CACAO export of ${chosen.definition.id} is invalid: ${check.errors.join('; ')}`);
      const text = `${JSON.stringify(doc, null, 2)}\n`;
      if (options.out === undefined) {
        process.stdout.write(text);
        return;
      }
      writeAtomically(resolve(options.out), text);
      process.stdout.write(`wrote ${options.out}: ${doc.id} (${chosen.definition.id} v${chosen.definition.version}, ${Object.keys(doc.workflow).length} steps)\n`);
    });
}

function playbookFiles(root: string): string[] {
  let names: string[];
  try {
    if (!statSync(root).isDirectory()) throw new Error('not a directory');
    names = readdirSync(root);
  } catch {
    throw new WritError('WRIT_INPUT_INVALID', `playbook directory not found: ${root}`);
  }
  const files = names.filter((n) => n.endsWith('.yaml') || n.endsWith('.yml')).sort();
  if (files.length === 0) throw new WritError('WRIT_INPUT_INVALID', `no playbooks in ${root} (expected *.yaml files)`);
  return files;
}

function choose(playbooks: Playbook[], id: string | undefined, root: string): Playbook {
  const ids = playbooks.map((p) => p.definition.id).join(', ');
  if (id === undefined) {
    if (playbooks.length === 1) return playbooks[0]!;
    throw new WritError('WRIT_INPUT_INVALID', `${root} holds several playbooks (${ids}); name one`);
  }
  const found = playbooks.find((p) => p.definition.id === id);
  if (!found) throw new WritError('WRIT_NOT_FOUND', `no playbook "${id}" in ${root} (found: ${ids})`);
  return found;
}

function parseTimestamp(value: string): Date {
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(date.getTime())) throw new WritError('WRIT_INPUT_INVALID', `--timestamp must be an ISO 8601 date-time, got "${value}"`);
  return date;
}

/** A reader never sees half a file: write beside it, then rename over it. */
function writeAtomically(path: string, text: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, text, { mode: 0o644 });
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new WritError('WRIT_INPUT_INVALID', `cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}
