/**
 * Folder names for one mailbox. Graph knows folders by id; the MailSystem contract names
 * them the way IMAP does: `INBOX` for the inbox (whatever its localised display name), and
 * display names joined by `/` below the mailbox root (`Archive`, `Projects/2025`).
 * Lookups are cached for the life of one operation on the mailbox.
 */
import { WritError, isWritError } from '../../../errors/index.ts';
import { odataString, segment, type GraphClient } from './graph-client.ts';

export const INBOX = 'INBOX';

interface FolderJson {
  id: string;
  displayName?: string;
  parentFolderId?: string;
}

export class MailboxFolders {
  readonly #client: GraphClient;
  readonly mailbox: string;
  #inbox: Promise<{ id: string; rootId: string }> | undefined;
  readonly #paths = new Map<string, Promise<string>>();
  readonly #ids = new Map<string, string>();

  constructor(client: GraphClient, mailbox: string) {
    this.#client = client;
    this.mailbox = mailbox;
  }

  /** The inbox and the mailbox root (the inbox's parent): one request, which also proves the mailbox exists. */
  inbox(): Promise<{ id: string; rootId: string }> {
    this.#inbox ??= this.#client
      .json<FolderJson>({
        method: 'GET',
        path: `${this.#base()}/mailFolders/inbox`,
        query: { $select: 'id,parentFolderId' },
        mailbox: this.mailbox,
        operation: 'get inbox',
      })
      .then((inbox) => ({ id: inbox.id, rootId: inbox.parentFolderId ?? '' }))
      .catch((error: unknown) => {
        this.#inbox = undefined;
        throw error;
      });
    return this.#inbox;
  }

  /** The contract's name for the folder with this id. */
  pathOf(folderId: string): Promise<string> {
    return this.#pathAt(folderId, 0);
  }

  #pathAt(folderId: string, depth: number): Promise<string> {
    let path = this.#paths.get(folderId);
    if (path === undefined) {
      path = this.#resolvePath(folderId, depth);
      path.catch(() => this.#paths.delete(folderId));
      this.#paths.set(folderId, path);
    }
    return path;
  }

  /** The id of the folder at `path`, or undefined when it does not exist. */
  async find(path: string): Promise<string | undefined> {
    return this.#walk(path, false);
  }

  /** The id of the folder at `path`, creating it (and its parents) when missing. */
  async ensure(path: string): Promise<string> {
    const id = await this.#walk(path, true);
    if (id === undefined) throw new WritError('WRIT_INTERNAL', 'a folder that was created cannot be found');
    return id;
  }

  async #walk(path: string, create: boolean): Promise<string | undefined> {
    const known = this.#ids.get(path);
    if (known !== undefined) return known;
    const parts = path.split('/');
    if (parts.some((part) => part.trim() === '')) {
      throw new WritError('WRIT_INPUT_INVALID', 'a folder path has an empty part', { details: { mailbox: this.mailbox, folder: path } });
    }
    const { id: inboxId } = await this.inbox();
    let parent: string | undefined;
    let walked = '';
    for (const [index, part] of parts.entries()) {
      walked = index === 0 ? part : `${walked}/${part}`;
      if (index === 0 && part.toUpperCase() === INBOX) {
        parent = inboxId;
        walked = INBOX;
        continue;
      }
      const cached = this.#ids.get(walked);
      let id = cached ?? (await this.#child(parent, part));
      if (id === undefined) {
        if (!create) return undefined;
        id = await this.#create(parent, part);
      }
      this.#ids.set(walked, id);
      this.#paths.set(id, Promise.resolve(walked));
      parent = id;
    }
    return parent;
  }

  /** The child folder of `parent` (the root when undefined) named `name`. */
  async #child(parent: string | undefined, name: string): Promise<string | undefined> {
    const path = parent === undefined ? `${this.#base()}/mailFolders` : `${this.#base()}/mailFolders/${segment(parent)}/childFolders`;
    const found = await this.#client.json<{ value: FolderJson[] }>({
      method: 'GET',
      path,
      query: { $filter: `displayName eq ${odataString(name)}`, $select: 'id,displayName' },
      mailbox: this.mailbox,
      operation: 'find folder',
    });
    return found.value.find((folder) => folder.displayName?.toLowerCase() === name.toLowerCase())?.id;
  }

  async #create(parent: string | undefined, name: string): Promise<string> {
    const path = parent === undefined ? `${this.#base()}/mailFolders` : `${this.#base()}/mailFolders/${segment(parent)}/childFolders`;
    try {
      const created = await this.#client.json<FolderJson>({
        method: 'POST',
        path,
        json: { displayName: name, isHidden: false },
        mailbox: this.mailbox,
        operation: 'create folder',
      });
      return created.id;
    } catch (error) {
      // Created meanwhile (by a concurrent call, or by an earlier attempt whose answer was lost).
      if (!isWritError(error, 'WRIT_CONFLICT')) throw error;
      const existing = await this.#child(parent, name);
      if (existing === undefined) throw error;
      return existing;
    }
  }

  async #resolvePath(folderId: string, depth: number): Promise<string> {
    const { id: inboxId, rootId } = await this.inbox();
    if (folderId === inboxId) return INBOX;
    if (depth > 32) throw new WritError('WRIT_CONNECTOR_FAILED', 'the folder hierarchy is deeper than 32 levels', { retryable: false });
    const folder = await this.#client.json<FolderJson>({
      method: 'GET',
      path: `${this.#base()}/mailFolders/${segment(folderId)}`,
      query: { $select: 'id,displayName,parentFolderId' },
      mailbox: this.mailbox,
      operation: 'get folder',
    });
    const name = folder.displayName ?? folder.id;
    const parent = folder.parentFolderId;
    const path = parent === undefined || parent === rootId ? name : `${await this.#pathAt(parent, depth + 1)}/${name}`;
    this.#ids.set(path, folderId);
    return path;
  }

  #base(): string {
    return `/users/${segment(this.mailbox)}`;
  }
}
