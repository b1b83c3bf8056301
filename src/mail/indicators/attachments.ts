import { createHash } from 'node:crypto';
import { inspectOle, listZip, looksLikeZipBomb } from './archives.ts';

const startsWith = (buf: Buffer, bytes: number[], at = 0) => bytes.every((b, i) => buf[at + i] === b);
const ascii = (buf: Buffer, text: string, at = 0) => buf.length >= at + text.length && buf.toString('latin1', at, at + text.length) === text;

/** The true type of a file, from its first bytes (never from its name or declared type). */
export function sniffType(buf: Buffer): string {
  if (buf.length === 0) return 'empty';
  if (ascii(buf, '%PDF-') || buf.subarray(0, 1024).includes('%PDF-')) return 'pdf';
  if (startsWith(buf, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(buf, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (ascii(buf, 'GIF8')) return 'gif';
  if (startsWith(buf, [0x50, 0x4b, 0x03, 0x04]) || startsWith(buf, [0x50, 0x4b, 0x05, 0x06])) return 'zip';
  if (startsWith(buf, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return 'ole2';
  if (ascii(buf, 'Rar!\x1a\x07')) return 'rar';
  if (startsWith(buf, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return '7z';
  if (startsWith(buf, [0x1f, 0x8b])) return 'gzip';
  if (ascii(buf, 'MSCF')) return 'cab';
  if (ascii(buf, '**ACE**', 7)) return 'ace';
  if (ascii(buf, 'CD001', 0x8001) || ascii(buf, 'CD001', 0x8801) || ascii(buf, 'CD001', 0x9001) || ascii(buf, 'BEA01', 0x8001)) return 'iso';
  if (ascii(buf, 'vhdxfile') || ascii(buf, 'conectix') || (buf.length >= 512 && ascii(buf, 'conectix', buf.length - 512))) return 'vhd';
  if (startsWith(buf, [0x4c, 0x00, 0x00, 0x00, 0x01, 0x14, 0x02, 0x00])) return 'lnk';
  if (ascii(buf, 'MZ')) return 'pe';
  if (ascii(buf, '\x7fELF')) return 'elf';
  if (startsWith(buf, [0xcf, 0xfa, 0xed, 0xfe]) || startsWith(buf, [0xca, 0xfe, 0xba, 0xbe])) return 'macho';
  if (ascii(buf, '{\\rtf')) return 'rtf';
  const head = buf.toString('latin1', 0, Math.min(buf.length, 4096)).replace(/^\ufeff|^\xef\xbb\xbf/, '').trimStart().toLowerCase();
  if (head.startsWith('begin:vcalendar')) return 'calendar';
  if (/<svg[\s>]/.test(head)) return 'svg';
  if (/^<!doctype html|<html[\s>]|<head[\s>]|<body[\s>]|<script[\s>]|<iframe[\s>]|<meta[\s>]|<form[\s>]/.test(head)) return 'html';
  if (/<!doctype plist|<plist[\s>]/.test(head)) return 'plist';
  if (isMostlyText(buf)) return 'text';
  return 'unknown';
}

function isMostlyText(buf: Buffer): boolean {
  const n = Math.min(buf.length, 2048);
  let control = 0;
  for (let i = 0; i < n; i++) {
    const b = buf[i]!;
    if (b < 9 || (b > 13 && b < 32)) control++;
  }
  return control / n < 0.02;
}

const EXTENSION_TYPES: Record<string, string[]> = {
  pdf: ['pdf'],
  png: ['png'],
  jpg: ['jpeg'],
  jpeg: ['jpeg'],
  gif: ['gif'],
  zip: ['zip'],
  docx: ['zip'],
  xlsx: ['zip'],
  pptx: ['zip'],
  docm: ['zip'],
  xlsm: ['zip'],
  doc: ['ole2', 'rtf'],
  xls: ['ole2'],
  ppt: ['ole2'],
  rar: ['rar'],
  '7z': ['7z'],
  gz: ['gzip'],
  iso: ['iso'],
  img: ['iso', 'unknown'],
  txt: ['text', 'empty'],
  csv: ['text', 'empty'],
  htm: ['html', 'text'],
  html: ['html', 'text'],
  svg: ['svg'],
  ics: ['calendar', 'text'],
};

const RISKY_EXTENSIONS: Record<string, string> = {
  htm: 'html', html: 'html', shtml: 'html', xhtml: 'html', mht: 'html', mhtml: 'html', svg: 'svg', svgz: 'svg',
  iso: 'iso', img: 'iso', vhd: 'vhd', vhdx: 'vhd', lnk: 'lnk',
  exe: 'executable', scr: 'executable', com: 'executable', pif: 'executable', msi: 'executable', dll: 'executable', cpl: 'executable',
  js: 'script', jse: 'script', vbs: 'script', vbe: 'script', wsf: 'script', wsh: 'script', hta: 'script', ps1: 'script',
  bat: 'script', cmd: 'script', jar: 'script', msc: 'script', reg: 'script', scf: 'script', url: 'script', appx: 'executable',
  docm: 'macro-office', dotm: 'macro-office', xlsm: 'macro-office', xltm: 'macro-office', xlam: 'macro-office',
  pptm: 'macro-office', potm: 'macro-office', ppam: 'macro-office', mobileconfig: 'mobileconfig', one: 'onenote',
};

const RISKY_TYPES: Record<string, string> = {
  html: 'html', svg: 'svg', iso: 'iso', vhd: 'vhd', lnk: 'lnk', pe: 'executable', elf: 'executable', macho: 'executable',
  rar: 'uninspectable-archive', '7z': 'uninspectable-archive', ace: 'uninspectable-archive', cab: 'uninspectable-archive',
};

export function extensionOf(filename: string): string {
  const m = /\.([a-z0-9]{1,12})$/i.exec(filename.trim());
  return m?.[1]?.toLowerCase() ?? '';
}

export interface AttachmentFacts {
  sha256: string;
  trueType: string;
  risky: string[];
  typeMismatch: boolean;
}

/** Hashes and types one attachment, and names what makes it dangerous. */
export function inspectAttachment(content: Buffer, filename: string, maxScanBytes: number): AttachmentFacts {
  const sha256 = createHash('sha256').update(content).digest('hex');
  const trueType = sniffType(content);
  const ext = extensionOf(filename);
  const risky = new Set<string>();
  const byType = RISKY_TYPES[trueType];
  if (byType) risky.add(byType);
  const byExt = RISKY_EXTENSIONS[ext];
  if (byExt && !(byExt === 'html' && trueType === 'text')) risky.add(byExt);
  // a double extension hides the real one: invoice.pdf.exe, scan.pdf.html
  if (/\.(pdf|docx?|xlsx?|jpe?g|png|txt)\.[a-z0-9]{2,5}$/i.test(filename) && byExt) risky.add('double-extension');
  const scan = content.length > maxScanBytes ? content.subarray(0, maxScanBytes) : content;
  if (trueType === 'zip') {
    const listing = listZip(scan, 10_000);
    if (listing) {
      if (listing.entries.some((e) => e.encrypted)) risky.add('encrypted-archive');
      if (looksLikeZipBomb(listing, content.length)) risky.add('archive-bomb');
      if (listing.entries.some((e) => /(^|\/)vbaProject\.bin$/i.test(e.name))) risky.add('macro-office');
      for (const e of listing.entries) {
        const inner = RISKY_EXTENSIONS[extensionOf(e.name)];
        if (inner && inner !== 'macro-office') risky.add('archive-risky-content');
      }
    }
  } else if (trueType === 'ole2') {
    const ole = inspectOle(scan);
    if (ole.macros) risky.add('macro-office');
    if (ole.encrypted) risky.add('encrypted-office');
  }
  const expected = EXTENSION_TYPES[ext];
  const typeMismatch = expected !== undefined && trueType !== 'unknown' && !expected.includes(trueType);
  return { sha256, trueType, risky: [...risky].sort(), typeMismatch };
}

/** Link targets inside a PDF (/URI actions), read from the raw bytes without rendering. */
export function pdfUris(buf: Buffer, max: number): string[] {
  const text = buf.toString('latin1');
  const out: string[] = [];
  const re = /\/URI\s*\(((?:[^()\\]|\\.){1,2048})\)/g;
  for (let m = re.exec(text); m !== null && out.length < max; m = re.exec(text)) {
    out.push(m[1]!.replace(/\\(.)/g, '$1'));
  }
  return out;
}
