/**
 * Measures the two candidate MIME parsers (postal-mime, mailparser) on the shared mail
 * corpus: speed, failures on the edge/ torture set, and memory. Each parser runs in its
 * own child process so one parser's heap does not colour the other's figures.
 *
 *   node --import tsx scripts/measure-mail-parsers.ts [DATA_DIR]   (default ../shared/data/mail)
 *
 * Reads only; prints a JSON summary per parser. The results are recorded in docs/triage.md.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import PostalMime from 'postal-mime';

type ParserName = 'postal-mime' | 'mailparser' | 'mailparser-lean';
const PARSERS: ParserName[] = ['postal-mime', 'mailparser', 'mailparser-lean'];
const PER_MESSAGE_TIMEOUT_MS = 10_000;

function listEml(dir: string): string[] {
  const out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names.sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listEml(path));
    else if (name.endsWith('.eml')) out.push(path);
  }
  return out;
}

/** Generated hostile messages: the same bytes for both parsers. */
const HOSTILE: [string, () => Buffer][] = [
  ['10k-parts', () => {
    const parts = Array.from({ length: 10_000 }, (_, i) => `--b\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`).join('');
    return Buffer.from(`Subject: many\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n${parts}--b--\r\n`);
  }],
  ['nested-200', () => {
    let head = 'Subject: deep\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n';
    let tail = '';
    for (let i = 1; i < 200; i++) {
      head += `--b${i - 1}\r\nContent-Type: multipart/mixed; boundary=b${i}\r\n\r\n`;
      tail = `--b${i - 1}--\r\n` + tail;
    }
    return Buffer.from(head + `--b199\r\nContent-Type: text/plain\r\n\r\nbottom\r\n--b199--\r\n` + tail);
  }],
  ['attachment-50MB', () => {
    const b64 = Buffer.alloc(50 * 1024 * 1024, 7).toString('base64').replace(/.{76}/g, '$&\r\n');
    return Buffer.from(`Subject: big\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64}\r\n--b--\r\n`);
  }],
  ['header-4MB', () => Buffer.from(`Subject: ${'A'.repeat(4 * 1024 * 1024)}\r\n\r\nbody\r\n`)],
];

type Parse = (raw: Buffer) => Promise<unknown>;

async function loadParser(name: ParserName): Promise<Parse> {
  if (name === 'postal-mime') return (raw) => PostalMime.parse(raw);
  // mailparser ships no types and is a dev dependency used only here.
  const mod = (await import('mailparser' as string)) as {
    simpleParser: (input: Buffer, options?: Record<string, unknown>) => Promise<unknown>;
  };
  const options = name === 'mailparser-lean' ? { skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true } : {};
  return (raw) => mod.simpleParser(raw, options);
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timeout after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function runWorker(name: ParserName, dataDir: string): Promise<void> {
  const parse = await loadParser(name);
  const corpus = ['train', 'test'].flatMap((d) => listEml(join(dataDir, d))).map((f) => readFileSync(f));
  const edgeFiles = listEml(join(dataDir, 'edge'));
  const edge = edgeFiles.map((f) => readFileSync(f));
  for (const raw of corpus.slice(0, 50)) await parse(raw); // warm-up: JIT, charset tables
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let peakRss = process.memoryUsage().rss;
  // best of three passes, by CPU time of this process: wall time on a shared machine also
  // measures the neighbours
  const rounds = 3;
  let corpusSeconds = Infinity;
  let corpusWall = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    for (const raw of corpus) {
      await parse(raw);
      const rss = process.memoryUsage().rss;
      if (rss > peakRss) peakRss = rss;
    }
    const c = process.cpuUsage(c0);
    corpusSeconds = Math.min(corpusSeconds, (c.user + c.system) / 1e6);
    corpusWall = Math.min(corpusWall, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  const corpusBytes = corpus.reduce((n, b) => n + b.length, 0);

  const failures: { file: string; error: string }[] = [];
  let slowest = { file: '', ms: 0 };
  const e0 = process.hrtime.bigint();
  for (let i = 0; i < edge.length; i++) {
    const s = process.hrtime.bigint();
    try {
      await withTimeout(parse(edge[i]!), PER_MESSAGE_TIMEOUT_MS);
    } catch (error) {
      failures.push({ file: edgeFiles[i]!.slice(dataDir.length + 1), error: String((error as Error).message ?? error).slice(0, 120) });
    }
    const ms = Number(process.hrtime.bigint() - s) / 1e6;
    if (ms > slowest.ms) slowest = { file: edgeFiles[i]!.slice(dataDir.length + 1), ms: Math.round(ms) };
    const rss = process.memoryUsage().rss;
    if (rss > peakRss) peakRss = rss;
  }
  const edgeSeconds = Number(process.hrtime.bigint() - e0) / 1e9;

  // What each parser recovers from the torture set: a message with no subject, text, html
  // or attachment after parsing has been lost in all but name.
  let edgeEmpty = 0;
  let edgeAttachments = 0;
  for (const raw of edge) {
    try {
      const m = (await withTimeout(parse(raw), PER_MESSAGE_TIMEOUT_MS)) as Record<string, unknown>;
      const atts = Array.isArray(m.attachments) ? m.attachments.length : 0;
      edgeAttachments += atts;
      if (!m.subject && !m.text && !m.html && atts === 0) edgeEmpty++;
    } catch {
      edgeEmpty++;
    }
  }

  const hostile: Record<string, { ms: number; rssMB: number; outcome: string }> = {};
  for (const [label, make] of HOSTILE) {
    global.gc?.();
    const raw = make();
    const s = process.hrtime.bigint();
    let outcome = 'parsed';
    try {
      await withTimeout(parse(raw), 60_000);
    } catch (error) {
      outcome = `rejected: ${String((error as Error).message).slice(0, 60)}`;
    }
    hostile[label] = {
      ms: Math.round(Number(process.hrtime.bigint() - s) / 1e6),
      rssMB: Math.round(process.memoryUsage().rss / 1e6),
      outcome,
    };
  }
  process.stdout.write(
    JSON.stringify({
      parser: name,
      corpusMessages: corpus.length,
      corpusMB: +(corpusBytes / 1e6).toFixed(1),
      messagesPerSecond: Math.round(corpus.length / corpusSeconds),
      messagesPerSecondWall: Math.round(corpus.length / corpusWall),
      MBPerSecond: +(corpusBytes / 1e6 / corpusSeconds).toFixed(1),
      edgeMessages: edge.length,
      edgeFailures: failures.length,
      edgeSeconds: +edgeSeconds.toFixed(2),
      edgeSlowest: slowest,
      edgeEmpty,
      edgeAttachments,
      hostile,
      peakRssMB: Math.round(peakRss / 1e6),
      heapGrowthMB: +((process.memoryUsage().heapUsed - heapBefore) / 1e6).toFixed(1),
      failures,
    }) + '\n',
  );
}

const args = process.argv.slice(2);
if (args[0] === '--worker') {
  await runWorker(args[1] as ParserName, args[2]!);
} else {
  const dataDir = resolve(args[0] ?? '../shared/data/mail');
  const self = fileURLToPath(import.meta.url);
  for (const name of PARSERS) {
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', self, '--worker', name, dataDir], {
      encoding: 'utf8',
      timeout: 600_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    if (r.status !== 0) {
      console.log(JSON.stringify({ parser: name, crashed: true, status: r.status, signal: r.signal, stderr: r.stderr.slice(-2000) }));
      continue;
    }
    console.log(r.stdout.trim());
  }
}
