import type { Migration } from 'kysely';
import * as spine from './0001-spine.ts';
import * as kernel from './0002-kernel.ts';
import * as identity from './0004-identity.ts';
import * as people from './0003-people.ts';
import * as intake from './0005-intake.ts';

/**
 * The one ordered set of migrations for both engines. Add a file per change and list it
 * here; never edit a migration that has shipped.
 */
export const MIGRATIONS: Record<string, Migration> = {
  '0001-spine': spine,
  '0002-kernel': kernel,
  '0004-identity': identity,
  '0003-people': people,
  '0005-intake': intake,
};
