import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { registerCampaignCommands } from './campaign-commands.ts';
import { registerPredictCommand } from './predict-command.ts';
import { registerRunCommand } from './run-command.ts';
import { registerTasksCommand } from './tasks-command.ts';
import { registerTrialCommand } from './trial-command.ts';
import { registerWorkerCommand } from './worker-command.ts';
import { registerServeCommand } from './serve-command.ts';
import { PACKAGE_ROOT } from '../env/package-root.ts';

/**
 * The lgt command with all its subcommands and flags, parsed by nothing yet: main.ts runs it,
 * and the documentation's test checks every command it shows against it.
 */
export function createProgram(): Command {
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
  return program;
}

function packageVersion(): string {
  const file = path.join(PACKAGE_ROOT, 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}
