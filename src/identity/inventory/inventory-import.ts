import { LineCounter, isMap, isSeq, parseDocument, type Node as YamlNode } from 'yaml';
import { parse as parseCsv } from 'csv-parse/sync';
import { WritError } from '../../errors/index.ts';
import { describeIssue, formatPath } from '../input-issues.ts';
import { identityInputSchema, type Identity } from './identity-schema.ts';

export interface ImportOptions {
  /** Names the input in error messages (a file name); defaults to the format. */
  source?: string;
  /** Refuse inputs with more identities than this (default 100 000). */
  maxIdentities?: number;
}

const DEFAULT_MAX = 100_000;

/**
 * Identities from YAML: either a list, or a mapping with an `identities` list. Any
 * problem is one `WRIT_INPUT_INVALID` line naming the entry, its line and the field,
 * and never the value (inventory files sit next to secrets too often to risk echoing).
 */
export function importInventoryYaml(text: string, options: ImportOptions = {}): Identity[] {
  const source = options.source ?? 'inventory YAML';
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const syntax = doc.errors[0];
  if (syntax) {
    const at = lineCounter.linePos(syntax.pos[0]);
    fail(`${source}: YAML syntax error (${syntax.code}) at line ${at.line}, column ${at.col}`);
  }
  let list: YamlNode | null | undefined = doc.contents as YamlNode | null;
  if (isMap(list)) list = list.get('identities', true) as YamlNode | undefined;
  if (list === null || list === undefined) return [];
  if (!isSeq(list)) fail(`${source}: expected a list of identities, or a mapping with an "identities" list`);
  const items = list.items;
  if (items.length > (options.maxIdentities ?? DEFAULT_MAX)) {
    fail(`${source}: more than ${options.maxIdentities ?? DEFAULT_MAX} identities`);
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 50 });
  } catch {
    fail(`${source}: too many YAML aliases`);
  }
  const values = (Array.isArray(raw) ? raw : (raw as { identities?: unknown[] }).identities) ?? [];
  const seen = new Map<string, number>();
  return values.map((value, index) => {
    const node = items[index] as YamlNode | undefined;
    const line = node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
    const where = `${source} entry ${index + 1}${line === undefined ? '' : ` (line ${line})`}`;
    const parsed = identityInputSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue ? formatPath(issue.path) : '';
      fail(`${where}, field ${field || '(entry)'}: ${issue ? describeIssue(issue, value) : 'is invalid'}`);
    }
    checkUnique(seen, parsed.data.id, index + 1, where, 'entry');
    return parsed.data;
  });
}

/** CSV columns and where each goes in an identity. List cells separate items with `;`. */
const CSV_COLUMNS = {
  id: ['id'],
  name: ['name'],
  kind: ['kind'],
  ownerTeam: ['owner', 'team'],
  ownerContact: ['owner', 'contact'],
  class: ['class'],
  environment: ['environment'],
  systemConnector: ['system', 'connector'],
  systemTarget: ['system', 'target'],
  lifetime: ['lifetime', 'kind'],
  maxTtl: ['lifetime', 'maxTtl'],
  lastRotatedAt: ['lastRotatedAt'],
  recoveryTime: ['recoveryTime'],
  dependents: ['dependents'],
  keyIds: ['keyIds'],
  secretFingerprints: ['secretFingerprints'],
} as const satisfies Record<string, readonly string[]>;
type CsvColumn = keyof typeof CSV_COLUMNS;
const REQUIRED_COLUMNS: readonly CsvColumn[] = ['id', 'kind', 'ownerTeam', 'class', 'environment', 'systemConnector', 'systemTarget', 'lifetime'];
const LIST_COLUMNS: ReadonlySet<string> = new Set(['dependents', 'keyIds', 'secretFingerprints']);

/**
 * Identities from CSV with a header row (columns as in {@link CSV_COLUMNS}; unknown columns
 * are refused so that a misspelt `secretFingerprint` column cannot silently drop data).
 * `dependents` cells read `job:nightly-etl; identity:svc-reports`.
 */
export function importInventoryCsv(text: string, options: ImportOptions = {}): Identity[] {
  const source = options.source ?? 'inventory CSV';
  let records: Array<{ record: Record<string, string>; info: { lines: number } }>;
  try {
    records = parseCsv(text, { columns: true, info: true, bom: true, trim: true, skip_empty_lines: true });
  } catch (error) {
    const e = error as { code?: string; lines?: number };
    fail(`${source}: CSV syntax error (${e.code ?? 'unknown'})${e.lines === undefined ? '' : ` at line ${e.lines}`}`);
  }
  if (records.length > (options.maxIdentities ?? DEFAULT_MAX)) {
    fail(`${source}: more than ${options.maxIdentities ?? DEFAULT_MAX} identities`);
  }
  const header = records[0] ? Object.keys(records[0].record) : [];
  for (const column of header) {
    if (!(column in CSV_COLUMNS)) fail(`${source} header: unknown column "${column.slice(0, 40)}"`);
  }
  for (const column of REQUIRED_COLUMNS) {
    if (records.length > 0 && !header.includes(column)) fail(`${source} header: missing column "${column}"`);
  }
  const seen = new Map<string, number>();
  return records.map(({ record, info }, index) => {
    const where = `${source} row ${index + 1} (line ${info.lines})`;
    // Nested objects always exist, so a missing cell is reported as its own column.
    const input: Record<string, unknown> = { owner: {}, system: {}, lifetime: {} };
    for (const [column, cell] of Object.entries(record)) {
      if (cell === '') continue;
      const path = CSV_COLUMNS[column as CsvColumn];
      setPath(input, path, LIST_COLUMNS.has(column) ? listCell(column, cell, where) : cell);
    }
    const parsed = identityInputSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      fail(`${where}, field ${issue ? columnFor(issue.path) : '(row)'}: ${issue ? describeIssue(issue, input) : 'is invalid'}`);
    }
    checkUnique(seen, parsed.data.id, index + 1, where, 'row');
    return parsed.data;
  });
}

/** Chooses the importer by file name (`.yaml`, `.yml`, `.csv`). */
export function importInventory(text: string, fileName: string, options: Omit<ImportOptions, 'source'> = {}): Identity[] {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.csv')) return importInventoryCsv(text, { ...options, source: fileName });
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return importInventoryYaml(text, { ...options, source: fileName });
  fail(`${fileName}: unknown inventory format (expected .yaml, .yml or .csv)`);
}

function listCell(column: string, cell: string, where: string): unknown[] {
  const items = cell.split(';').map((s) => s.trim()).filter((s) => s !== '');
  if (column !== 'dependents') return items;
  return items.map((item, i) => {
    const colon = item.indexOf(':');
    if (colon <= 0) fail(`${where}, field dependents: item ${i + 1} must read kind:ref (e.g. job:nightly-etl)`);
    return { kind: item.slice(0, colon).trim(), ref: item.slice(colon + 1).trim() };
  });
}

function columnFor(path: readonly PropertyKey[]): string {
  const head = path.slice(0, 2).map(String);
  for (const [column, target] of Object.entries(CSV_COLUMNS)) {
    if (LIST_COLUMNS.has(column) && head[0] === target[0]) return column;
    if (target.length === head.length && target.every((p, i) => p === head[i])) return column;
    if (target.length === 1 && head.length >= 1 && target[0] === head[0]) return column;
  }
  return formatPath(path) || '(row)';
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  path.forEach((key, i) => {
    if (i === path.length - 1) node[key] = value;
    else node = (node[key] ??= {}) as Record<string, unknown>;
  });
}

function checkUnique(seen: Map<string, number>, id: string, position: number, where: string, noun: string): void {
  const first = seen.get(id);
  if (first !== undefined) fail(`${where}, field id: repeats the id of ${noun} ${first}`);
  seen.set(id, position);
}

function fail(message: string): never {
  throw new WritError('WRIT_INPUT_INVALID', message);
}
