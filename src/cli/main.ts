import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { ExpectedFailure } from '../errors/expected-failure.ts';
import { InvalidCampaignRequestError } from '../contracts/campaign-request.ts';
import { MissingDataFileError } from '../data/data-files.ts';
import { InvalidConfigError } from '../search-space/search-space.ts';
import { registerCampaignCommands } from './campaign-commands.ts';
import { registerPredictCommand } from './predict-command.ts';
import { registerRunCommand } from './run-command.ts';
import { registerTasksCommand } from './tasks-command.ts';
import { registerTrialCommand } from './trial-command.ts';
import { registerWorkerCommand } from './worker-command.ts';
import { registerServeCommand } from './serve-command.ts';
import { RequestError } from '../errors/request-error.ts';
import { describeRequestError } from './request-flags.ts';
import { UsageError } from './usage-error.ts';
import { PACKAGE_ROOT } from '../env/package-root.ts';

const program = new Command()
  .name('lgt')
  .description(
    'Language-Guided Tuning: tune TensorFlow.js models with LLM agents over a Redis job queue',
  )
  .version(packageVersion(), '-V, --version', "print lgt's version")
  .showHelpAfterError('(lgt --help lists the commands)')
  // Commander's own errors in lgt's one format ("lgt: ...", exit 2: a mistake in the request).
  .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'lgt: ')) })
  .exitOverride();

registerTasksCommand(program);
registerTrialCommand(program);
registerRunCommand(program);
registerWorkerCommand(program);
registerCampaignCommands(program);
registerPredictCommand(program);
registerServeCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = reportError(error);
}

/** Prints an error the way a person can act on it; returns the exit status. */
function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // Help and --version end here too, successfully; anything else was a mistake in the request.
    return error.exitCode === 0 ? 0 : 2;
  }
  if (error instanceof InvalidCampaignRequestError) {
    process.stderr.write(`lgt: ${describeRequestError(error)}\n`);
    return 2;
  }
  if (
    error instanceof UsageError ||
    error instanceof RequestError ||
    error instanceof InvalidConfigError
  ) {
    process.stderr.write(`lgt: ${error.message}\n`);
    return 2;
  }
  if (error instanceof MissingDataFileError || error instanceof ExpectedFailure) {
    process.stderr.write(`lgt: ${error.message}\n`);
    return 1;
  }
  const e = error as Error;
  process.stderr.write(`lgt: ${e?.message ?? String(error)}\n`);
  if (process.env['LGT_DEBUG']) process.stderr.write(`${e?.stack ?? ''}\n`);
  else process.stderr.write('(set LGT_DEBUG=1 for the stack trace)\n');
  return 1;
}

function packageVersion(): string {
  const file = path.join(PACKAGE_ROOT, 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}
