import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { analyseMessage } from './analyse.ts';
import { CampaignClusterer, type ClustererOptions } from './campaigns/clusterer.ts';
import { compileMailOptions, type CompiledMailOptions, type MailOptions } from './options.ts';
import type { Reason, VerdictLabel } from './types.ts';

export interface TriageRow {
  file: string;
  verdict: VerdictLabel;
  /** Probability that the verdict is right (see Verdict.confidence). */
  confidence: number;
  /** Calibrated probability of malice. */
  probability: number;
  campaign: string | null;
  reasons: string[];
  /** Set when the file could not be read at all; the row is then routed (uncertain). */
  error?: string;
}

const MAX_FILES = 1_000_000;

/**
 * The .eml files named by the arguments: files as given, folders searched recursively for
 * `*.eml` (symbolic links to folders are not followed, so a link loop cannot trap the walk).
 * Sorted, so that a run is reproducible.
 */
export async function collectEmlFiles(paths: readonly string[]): Promise<{ files: string[]; problems: { file: string; error: string }[] }> {
  const files: string[] = [];
  const problems: { file: string; error: string }[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      problems.push({ file: dir, error: describe(error) });
      return;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (files.length >= MAX_FILES) return;
      const path = join(dir, e.name);
      if (e.isDirectory()) await walk(path);
      else if (e.isFile() && /\.eml$/i.test(e.name)) files.push(path);
    }
  };
  for (const p of paths) {
    try {
      const s = await stat(p);
      if (s.isDirectory()) await walk(p);
      else files.push(p);
    } catch (error) {
      problems.push({ file: p, error: describe(error) });
    }
  }
  if (files.length >= MAX_FILES) problems.push({ file: paths.join(' '), error: `more than ${MAX_FILES} files; the rest were not read` });
  return { files, problems };
}

function describe(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const line = (message.split('\n', 1)[0] ?? 'unknown').slice(0, 300);
  return typeof code === 'string' && !line.startsWith(code) ? `${code}: ${line}` : line;
}

const reasonText = (r: Reason) => `${r.code}: ${r.detail}`;

export interface TriageOptions {
  mail?: MailOptions | CompiledMailOptions;
  campaigns?: ClustererOptions;
  /** Files larger than this are not read whole; defaults to the parse size limit × 2. */
  maxReadBytes?: number;
}

/**
 * Triage of files on disk: each file analysed, all of them clustered into campaigns.
 * Rows come back in file order once every file is clustered, so a campaign merged by a
 * later file shows its final id on every row. Reads files; writes nothing.
 */
export async function triagePaths(paths: readonly string[], options: TriageOptions = {}): Promise<TriageRow[]> {
  const mail = compileMailOptions(options.mail ?? {});
  const clusterer = new CampaignClusterer(options.campaigns);
  const maxRead = options.maxReadBytes ?? mail.limits.maxBytes * 2;
  const { files, problems } = await collectEmlFiles(paths);
  const rows: TriageRow[] = problems.map((p) => errorRow(p.file, p.error));
  for (const file of files) {
    let raw: Buffer;
    try {
      const s = await stat(file);
      // an oversized file is analysed from its head: enough for the headers and the size limit
      raw = s.size > maxRead ? await readHead(file, maxRead) : await readFile(file);
    } catch (error) {
      rows.push(errorRow(file, describe(error)));
      continue;
    }
    const analysis = await analyseMessage(raw, mail);
    const assignment = clusterer.add(analysis);
    rows.push({
      file,
      verdict: analysis.verdict.verdict,
      confidence: analysis.verdict.confidence,
      probability: analysis.verdict.probability,
      campaign: assignment.campaignId,
      reasons: analysis.verdict.reasons.map(reasonText),
    });
  }
  for (const row of rows) if (row.campaign) row.campaign = clusterer.resolve(row.campaign);
  return rows;
}

async function readHead(file: string, bytes: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function errorRow(file: string, error: string): TriageRow {
  return { file, verdict: 'uncertain', confidence: 0, probability: 0, campaign: null, reasons: [`error: ${error}`], error };
}
