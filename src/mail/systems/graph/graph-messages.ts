/**
 * The message requests the connector makes, in the shapes Graph documents:
 * get (`GET /users/{id}/messages/{id}`), MIME (`…/$value`), move (`POST …/move` with
 * `destinationId`), find by Internet Message-ID in one folder, and create from MIME.
 */
import { isWritError } from '../../../errors/index.ts';
import { odataString, segment, type GraphClient } from './graph-client.ts';

export interface GraphMessage {
  id: string;
  parentFolderId?: string;
  internetMessageId?: string | null;
  subject?: string | null;
  from?: { emailAddress?: { name?: string | null; address?: string | null } } | null;
  singleValueExtendedProperties?: { id: string; value: string }[];
}

/** The fields a search and a move need. */
export const MESSAGE_SELECT = 'id,parentFolderId,internetMessageId,subject,from';
/** PidTagMessageSize: Graph's message resource has no size of its own. */
export const SIZE_PROPERTY = 'Integer 0x0E08';
export const SIZE_EXPAND = `singleValueExtendedProperties($filter=id eq ${odataString(SIZE_PROPERTY)})`;

export function messageSize(message: GraphMessage): number | undefined {
  const property = message.singleValueExtendedProperties?.find((p) => p.id.toLowerCase().replace(/0x0*/, '0x') === 'integer 0xe08');
  const size = Number(property?.value);
  return Number.isFinite(size) && size >= 0 ? size : undefined;
}

function base(mailbox: string): string {
  return `/users/${segment(mailbox)}`;
}

/** The message with this id, wherever it is in the mailbox; undefined when there is none. */
export async function getMessage(client: GraphClient, mailbox: string, id: string): Promise<GraphMessage | undefined> {
  try {
    return await client.json<GraphMessage>({
      method: 'GET',
      path: `${base(mailbox)}/messages/${segment(id)}`,
      query: { $select: MESSAGE_SELECT },
      mailbox,
      operation: 'get message',
    });
  } catch (error) {
    if (isWritError(error, 'WRIT_NOT_FOUND')) return undefined;
    throw error;
  }
}

/** Messages with this Internet Message-ID in one folder. */
export async function findInFolder(client: GraphClient, mailbox: string, folderId: string, messageId: string): Promise<GraphMessage[]> {
  const found: GraphMessage[] = [];
  for await (const page of client.pages<GraphMessage>({
    method: 'GET',
    path: `${base(mailbox)}/mailFolders/${segment(folderId)}/messages`,
    query: { $filter: `internetMessageId eq ${odataString(messageId)}`, $select: MESSAGE_SELECT, $top: '50' },
    mailbox,
    operation: 'find message',
  })) {
    found.push(...page);
  }
  return found;
}

/** The message as MIME, the bytes its fingerprint is taken from. */
export async function getMime(client: GraphClient, mailbox: string, id: string): Promise<Buffer> {
  return client.bytes({ method: 'GET', path: `${base(mailbox)}/messages/${segment(id)}/$value`, mailbox, operation: 'get MIME' });
}

/** Moves the message; returns it as it is at the destination (its immutable id unchanged). */
export async function moveMessage(client: GraphClient, mailbox: string, id: string, destinationId: string): Promise<GraphMessage> {
  return client.json<GraphMessage>({
    method: 'POST',
    path: `${base(mailbox)}/messages/${segment(id)}/move`,
    json: { destinationId },
    mailbox,
    operation: 'move message',
  });
}

/** Creates a message from MIME in a folder (Graph stores it as a draft: there is no APPEND). */
export async function createFromMime(client: GraphClient, mailbox: string, folderId: string, raw: Buffer): Promise<GraphMessage> {
  return client.json<GraphMessage>({
    method: 'POST',
    path: `${base(mailbox)}/mailFolders/${segment(folderId)}/messages`,
    text: { body: raw.toString('base64'), contentType: 'text/plain' },
    mailbox,
    operation: 'create message',
  });
}
