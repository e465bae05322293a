import { Command, CommanderError } from 'commander';
import { InvalidCampaignRequestError } from '../campaign/campaign-request.ts';
import { MissingDataFileError } from '../data/data-files.ts';
import { InvalidConfigError } from '../search-space/search-space.ts';
import { registerCampaignCommands } from './campaign-commands.ts';
import { registerRunCommand } from './run-command.ts';
import { registerTasksCommand } from './tasks-command.ts';
import { registerTrialCommand } from './trial-command.ts';
import { registerWorkerCommand } from './worker-command.ts';
import { UsageError } from './usage-error.ts';

const program = new Command()
  .name('lgt')
  .description(
    'Language-Guided Tuning: tune TensorFlow.js models with LLM agents over a Redis job queue',
  )
  .showHelpAfterError('(lgt --help lists the commands)')
  .exitOverride();

registerTasksCommand(program);
registerTrialCommand(program);
registerRunCommand(program);
registerWorkerCommand(program);
registerCampaignCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = reportError(error);
}

/** Prints an error the way a person can act on it; returns the exit status. */
function reportError(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode;
  if (
    error instanceof UsageError ||
    error instanceof InvalidConfigError ||
    error instanceof InvalidCampaignRequestError
  ) {
    process.stderr.write(`lgt: ${error.message}\n`);
    return 2;
  }
  if (error instanceof MissingDataFileError) {
    process.stderr.write(`lgt: ${error.message}\n`);
    return 1;
  }
  const e = error as Error;
  process.stderr.write(`lgt: ${e?.message ?? String(error)}\n`);
  if (process.env['LGT_DEBUG']) process.stderr.write(`${e?.stack ?? ''}\n`);
  else process.stderr.write('(set LGT_DEBUG=1 for the stack trace)\n');
  return 1;
}
