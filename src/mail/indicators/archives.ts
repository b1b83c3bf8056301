/**
 * Reads the directory of a ZIP archive and the stream names of an OLE2 compound file,
 * without decompressing anything: a zip bomb is recognised by what it declares, never
 * by inflating it.
 */

export interface ZipEntry {
  name: string;
  encrypted: boolean;
  compressedSize: number;
  uncompressedSize: number;
}

export interface ZipListing {
  entries: ZipEntry[];
  /** More entries were declared than were read. */
  truncated: boolean;
  declaredEntries: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** Lists a ZIP's entries from its central directory (or, if that is missing, its local headers). */
export function listZip(buf: Buffer, maxEntries: number): ZipListing | null {
  if (buf.length < 22) return null;
  const searchFrom = Math.max(0, buf.length - 22 - 0xffff);
  let eocd = -1;
  for (let i = buf.length - 22; i >= searchFrom; i--) {
    if (buf.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return listLocalHeaders(buf, maxEntries);
  const declaredEntries = buf.readUInt16LE(eocd + 10);
  let offset = buf.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  while (entries.length < maxEntries && offset + 46 <= buf.length && buf.readUInt32LE(offset) === CENTRAL) {
    const flags = buf.readUInt16LE(offset + 8);
    const compressedSize = buf.readUInt32LE(offset + 20);
    const uncompressedSize = buf.readUInt32LE(offset + 24);
    const nameLength = buf.readUInt16LE(offset + 28);
    const extraLength = buf.readUInt16LE(offset + 30);
    const commentLength = buf.readUInt16LE(offset + 32);
    const name = buf.toString('utf8', offset + 46, Math.min(buf.length, offset + 46 + nameLength));
    entries.push({ name, encrypted: (flags & 1) === 1, compressedSize, uncompressedSize });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  if (entries.length === 0) return listLocalHeaders(buf, maxEntries);
  return { entries, truncated: entries.length < declaredEntries, declaredEntries };
}

function listLocalHeaders(buf: Buffer, maxEntries: number): ZipListing | null {
  const entries: ZipEntry[] = [];
  let offset = 0;
  while (entries.length < maxEntries && offset + 30 <= buf.length && buf.readUInt32LE(offset) === LOCAL) {
    const flags = buf.readUInt16LE(offset + 6);
    const compressedSize = buf.readUInt32LE(offset + 18);
    const uncompressedSize = buf.readUInt32LE(offset + 22);
    const nameLength = buf.readUInt16LE(offset + 26);
    const extraLength = buf.readUInt16LE(offset + 28);
    const name = buf.toString('utf8', offset + 30, Math.min(buf.length, offset + 30 + nameLength));
    entries.push({ name, encrypted: (flags & 1) === 1, compressedSize, uncompressedSize });
    // sizes may live in a trailing data descriptor (flag bit 3); then we cannot walk on
    if ((flags & 8) !== 0 || compressedSize === 0) break;
    offset += 30 + nameLength + extraLength + compressedSize;
  }
  return entries.length === 0 ? null : { entries, truncated: false, declaredEntries: entries.length };
}

const ZIP64 = 0xffffffff;

/** Declares far more than it holds: a decompression bomb, whether or not it is a real one. */
export function looksLikeZipBomb(listing: ZipListing, archiveBytes: number): boolean {
  let total = 0;
  for (const e of listing.entries) {
    if (e.uncompressedSize === ZIP64) return true;
    total += e.uncompressedSize;
    if (e.compressedSize > 0 && e.uncompressedSize / e.compressedSize > 1000) return true;
  }
  return total > 1024 ** 3 || (archiveBytes > 0 && total / archiveBytes > 200);
}

const utf16 = (s: string) => Buffer.from(s, 'utf16le');
const VBA_MARKERS = [utf16('_VBA_PROJECT'), Buffer.from('_VBA_PROJECT'), utf16('VBA'), Buffer.from('Attribute VB_Name')];
const ENCRYPTED_PACKAGE = utf16('EncryptedPackage');

/** OLE2 (legacy Office) facts from stream names in the directory: macros, encryption. */
export function inspectOle(buf: Buffer): { macros: boolean; encrypted: boolean } {
  const [vbaProject, vbaAscii, , vbName] = VBA_MARKERS;
  return {
    macros: buf.includes(vbaProject!) || buf.includes(vbaAscii!) || buf.includes(vbName!),
    encrypted: buf.includes(ENCRYPTED_PACKAGE),
  };
}
