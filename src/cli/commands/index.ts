import type { Command } from 'commander';
import { register as ledger } from './ledger.ts';
import { register as serve } from './serve.ts';
import { register as governance } from './governance.ts';
import { register as report } from './report.ts';
import { register as demo } from './demo.ts';
import { register as policy } from './policy.ts';
import { register as policyDeploy } from './policy-deploy.ts';
import { register as triage } from './triage.ts';
import { register as identity } from './identity.ts';
import { register as playbook } from './playbook.ts';

/** Each command module adds its subcommands to the program. */
export type RegisterCommand = (program: Command) => void;

export const COMMANDS: RegisterCommand[] = [ledger, serve, governance, report, demo, policy, policyDeploy, triage, identity, playbook];
