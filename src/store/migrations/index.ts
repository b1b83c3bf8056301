import type { Migration } from 'kysely';
import * as spine from './0001-spine.ts';

/**
 * The one ordered set of migrations for both engines. Add a file per change and list it
 * here; never edit a migration that has shipped.
 */
export const MIGRATIONS: Record<string, Migration> = {
  '0001-spine': spine,
};
