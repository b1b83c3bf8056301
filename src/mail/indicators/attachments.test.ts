import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { zipArchive } from '../testing/zip.ts';
import { qrPng } from '../testing/qr-encode.ts';
import { inspectAttachment, pdfUris, sniffType } from './attachments.ts';
import { listZip } from './archives.ts';

const MAX = 10 * 1024 * 1024;

function iso(): Buffer {
  const buf = Buffer.alloc(0x8800);
  buf.write('CD001', 0x8001, 'latin1');
  return buf;
}

function ole(marker: string): Buffer {
  const head = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
  return Buffer.concat([head, Buffer.alloc(504), Buffer.from(marker, 'utf16le'), Buffer.alloc(64)]);
}

test('true type by magic bytes, whatever the name says', () => {
  assert.equal(sniffType(Buffer.from('%PDF-1.7\n')), 'pdf');
  assert.equal(sniffType(qrPng('x')), 'png');
  assert.equal(sniffType(zipArchive([{ name: 'a.txt', data: Buffer.from('a') }])), 'zip');
  assert.equal(sniffType(iso()), 'iso');
  assert.equal(sniffType(Buffer.from([0x4c, 0, 0, 0, 0x01, 0x14, 0x02, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0])), 'lnk');
  assert.equal(sniffType(Buffer.from('MZ\x90\x00')), 'pe');
  assert.equal(sniffType(Buffer.from('\ufeff  <!DOCTYPE html><html>')), 'html');
  assert.equal(sniffType(Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">')), 'svg');
  assert.equal(sniffType(Buffer.from('plain words only\n')), 'text');
  assert.equal(sniffType(Buffer.alloc(0)), 'empty');
});

test('hash and risk labels for the risky types', () => {
  const html = inspectAttachment(Buffer.from('<html><form action="https://x.example">'), 'Invoice.pdf.html', MAX);
  assert.equal(html.sha256, createHash('sha256').update('<html><form action="https://x.example">').digest('hex'));
  assert.deepEqual(html.risky, ['double-extension', 'html']);
  assert.deepEqual(inspectAttachment(iso(), 'scan.img', MAX).risky, ['iso']);
  assert.deepEqual(inspectAttachment(Buffer.from('<svg onload="x()">'), 'logo.svg', MAX).risky, ['svg']);
  assert.deepEqual(inspectAttachment(Buffer.from('[InternetShortcut]'), 'doc.url', MAX).risky, ['script']);
  assert.deepEqual(inspectAttachment(Buffer.from('plain'), 'notes.txt', MAX).risky, []);
});

test('macro-enabled Office: OOXML with vbaProject.bin, OLE with a VBA project; encrypted Office', () => {
  const docm = zipArchive([{ name: '[Content_Types].xml', data: Buffer.from('<x/>') }, { name: 'word/vbaProject.bin', data: Buffer.from('vba') }]);
  assert.ok(inspectAttachment(docm, 'report.docx', MAX).risky.includes('macro-office'));
  assert.ok(inspectAttachment(ole('_VBA_PROJECT'), 'old.doc', MAX).risky.includes('macro-office'));
  assert.ok(inspectAttachment(ole('EncryptedPackage'), 'locked.docx', MAX).risky.includes('encrypted-office'));
  assert.deepEqual(inspectAttachment(ole('WordDocument'), 'plain.doc', MAX).risky, []);
});

test('archives: password-protected entries, risky content, and a mismatched extension', () => {
  const locked = zipArchive([{ name: 'invoice.pdf', data: Buffer.from('x'), encrypted: true }]);
  assert.ok(inspectAttachment(locked, 'invoice.zip', MAX).risky.includes('encrypted-archive'));
  const payload = zipArchive([{ name: 'docs/setup.lnk', data: Buffer.from('x') }]);
  assert.ok(inspectAttachment(payload, 'docs.zip', MAX).risky.includes('archive-risky-content'));
  const disguised = inspectAttachment(payload, 'statement.pdf', MAX);
  assert.equal(disguised.trueType, 'zip');
  assert.equal(disguised.typeMismatch, true);
  assert.deepEqual(listZip(payload, 10)?.entries.map((e) => e.name), ['docs/setup.lnk']);
});

test('a truncated archive (no central directory) is still listed from its local headers', () => {
  const whole = zipArchive([{ name: 'a.exe', data: Buffer.from('MZ...') }]);
  const cut = whole.subarray(0, 30 + 'a.exe'.length + 5);
  assert.deepEqual(listZip(cut, 10)?.entries.map((e) => e.name), ['a.exe']);
  assert.equal(listZip(Buffer.from('PK'), 10), null);
});

test('PDF link annotations are read without rendering', () => {
  const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /A << /S /URI /URI (https://pdf-link.example/a\\)b) >> >>\nendobj\n');
  assert.deepEqual(pdfUris(pdf, 10), ['https://pdf-link.example/a)b']);
});
