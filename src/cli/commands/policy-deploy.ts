import type { Command } from 'commander';
import { loadPolicyDir } from '../../policy/index.ts';
import { printJson, withApp } from '../with-app.ts';

/**
 * Deployment of policy versions, added to `writ policy`: versions are deployed, not
 * edited; each deployment is ledgered with its diff and every decision names its version.
 */
export function register(program: Command): void {
  const policy = program.commands.find((c) => c.name() === 'policy') ?? program.command('policy').description('policy as code');

  policy
    .command('deploy <dir>')
    .description('validate DIR and put it in force; the deployment and its diff are ledgered')
    .option('--as <actor>', 'who deploys (default: user:<login name>)')
    .action((dir: string, options: { as?: string }) =>
      withApp(async (app) => {
        const set = loadPolicyDir(dir);
        const deployment = await app.kernel.policies.deploy(set, options.as ?? `user:${process.env.USER ?? 'operator'}`);
        printJson(deployment);
      }),
    );

  policy
    .command('history')
    .description('deployed policy versions, newest first')
    .action(() => withApp(async (app) => printJson(await app.kernel.policies.history())));
}
