import { Command, CommanderError } from 'commander';
import { describeForCli } from '../errors/index.ts';
import { COMMANDS } from './commands/index.ts';

const program = new Command('writ')
  .description('Writ: governed response automation for security operations')
  .showHelpAfterError()
  .exitOverride();

for (const register of COMMANDS) register(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // commander has already printed its own one-line message
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else {
    process.stderr.write(`${describeForCli(error)}\n`);
    process.exitCode = typeof (error as { exitCode?: unknown }).exitCode === 'number' ? (error as { exitCode: number }).exitCode : 1;
  }
}
