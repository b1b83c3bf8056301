import type { Command } from 'commander';
import { register as ledger } from './ledger.ts';
import { register as serve } from './serve.ts';

/** Each command module adds its subcommands to the program. */
export type RegisterCommand = (program: Command) => void;

export const COMMANDS: RegisterCommand[] = [ledger, serve];
