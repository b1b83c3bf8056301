/**
 * The Maildir++ layout: `<root>/<mailbox>/{cur,new,tmp}` is INBOX, `<root>/<mailbox>/.<Folder>/`
 * a folder (nested folders as `.Parent.Child`, the same names Dovecot shows over IMAP).
 * A message file is `<unique>` in new/ or `<unique>:2,<flags>` in cur/; the unique part
 * never changes, so it is the message's locator.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WritError } from '../../../errors/index.ts';

export const INBOX = 'INBOX';
export const SUBDIRS = ['new', 'cur'] as const;
export type Subdir = (typeof SUBDIRS)[number];

export interface MessageFile {
  subdir: Subdir;
  name: string;
  path: string;
}

export function checkMailboxName(mailbox: string): void {
  if (typeof mailbox !== 'string' || !/^[^/\0.][^/\0]{0,254}$/.test(mailbox)) {
    throw new WritError('WRIT_INPUT_INVALID', 'mailbox name is not valid for a Maildir (no "/", no leading ".")', { details: { mailbox } });
  }
}

export function checkFolderName(folder: string): void {
  const parts = typeof folder === 'string' ? folder.split('.') : [''];
  if (folder !== INBOX && (folder.includes('/') || folder.includes('\0') || parts.some((p) => p === '') || folder.length > 255)) {
    throw new WritError('WRIT_INPUT_INVALID', 'folder name is not valid for a Maildir', { details: { folder } });
  }
}

export function mailboxDir(root: string, mailbox: string): string {
  checkMailboxName(mailbox);
  return join(root, mailbox);
}

export function folderDir(root: string, mailbox: string, folder: string): string {
  checkFolderName(folder);
  const base = mailboxDir(root, mailbox);
  return folder === INBOX ? base : join(base, `.${folder}`);
}

/** True for the quarantine folder and any folder beneath it. */
export function isWithin(folder: string, parent: string): boolean {
  return folder === parent || folder.startsWith(`${parent}.`);
}

/** Creates a folder's cur/new/tmp (and the mailbox) if missing. */
export async function ensureFolder(root: string, mailbox: string, folder: string): Promise<string> {
  const dir = folderDir(root, mailbox, folder);
  if (folder !== INBOX) await ensureFolder(root, mailbox, INBOX);
  await Promise.all(['tmp', 'new', 'cur'].map((sub) => mkdir(join(dir, sub), { recursive: true })));
  // Maildir++ marks subfolders with an empty `maildirfolder` file.
  if (folder !== INBOX) await writeFile(join(dir, 'maildirfolder'), '', { flag: 'a' });
  return dir;
}

/** Mailboxes are the directories under root that hold a Maildir. */
export async function listMailboxDirs(root: string): Promise<string[]> {
  const entries = await readdirOrEmpty(root);
  const mailboxes: string[] = [];
  for (const entry of entries) {
    if (entry.startsWith('.') || !(await isDir(join(root, entry, 'cur')))) continue;
    mailboxes.push(entry);
  }
  return mailboxes.sort();
}

/** INBOX and every `.Folder` of a mailbox. */
export async function listFolders(root: string, mailbox: string): Promise<string[]> {
  const dir = mailboxDir(root, mailbox);
  const folders = (await isDir(join(dir, 'cur'))) ? [INBOX] : [];
  for (const entry of await readdirOrEmpty(dir)) {
    if (!entry.startsWith('.') || entry === '.' || entry === '..' || entry.length < 2) continue;
    if (await isDir(join(dir, entry, 'cur'))) folders.push(entry.slice(1));
  }
  return folders.sort();
}

export async function listMessages(dir: string): Promise<MessageFile[]> {
  const files: MessageFile[] = [];
  for (const subdir of SUBDIRS) {
    for (const name of await readdirOrEmpty(join(dir, subdir))) {
      if (!name.startsWith('.')) files.push({ subdir, name, path: join(dir, subdir, name) });
    }
  }
  return files;
}

/** The unique part of a message file name, before `:2,flags`. */
export function uniquePart(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(0, colon);
}

/** The message whose unique part is `unique` in a folder, if present. */
export async function findMessage(dir: string, unique: string): Promise<MessageFile | undefined> {
  if (unique.includes('/') || unique.startsWith('.') || unique === '') return undefined;
  for (const subdir of SUBDIRS) {
    for (const name of await readdirOrEmpty(join(dir, subdir))) {
      if (uniquePart(name) === unique) return { subdir, name, path: join(dir, subdir, name) };
    }
  }
  return undefined;
}

let counter = 0;
const host = hostname().replace(/[/:]/g, '_');

/** A delivery name unique across processes and hosts, in the usual `time.MusecPpidQn.host` shape. */
export function uniqueName(now = Date.now()): string {
  counter = (counter + 1) % 1_000_000_000;
  const seconds = Math.floor(now / 1000);
  const micros = (now % 1000) * 1000;
  return `${seconds}.M${micros}P${process.pid}Q${counter}R${randomBytes(6).toString('hex')}.${host}`;
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if (isFsError(error, 'ENOENT') || isFsError(error, 'ENOTDIR')) return [];
    throw error;
  }
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

export function isFsError(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
