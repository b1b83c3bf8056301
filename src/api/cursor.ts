import { WritError } from '../errors/index.ts';

/** Opaque keyset cursors: the sort key of the last item returned, base64url JSON. */
export function encodeCursor(values: ReadonlyArray<string | number>): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
}

export function decodeCursor(text: string | undefined, shape: ReadonlyArray<'string' | 'number'>): Array<string | number> | undefined {
  if (text === undefined || text === '') return undefined;
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    values = undefined;
  }
  if (!Array.isArray(values) || values.length !== shape.length || values.some((v, i) => typeof v !== shape[i])) {
    throw new WritError('WRIT_INPUT_INVALID', 'query.cursor: not a cursor this list returned');
  }
  return values as Array<string | number>;
}
