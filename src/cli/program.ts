import { z } from 'zod';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { PACKAGE_ROOT } from '../env/package-root.ts';

type Register = (program: Command) => void;

/**
 * Where each subcommand is defined. A command line names one, and only its module is loaded:
 * `lgt --version` and `lgt list` then skip TensorFlow.js, the agents and the server (about a
 * second of imports; bench/cli-start.ts measures it). Help and anything unknown load them all.
 */
const COMMAND_MODULES: Record<string, () => Promise<Register>> = {
  tasks: async () => (await import('./tasks-command.ts')).registerTasksCommand,
  trial: async () => (await import('./trial-command.ts')).registerTrialCommand,
  run: async () => (await import('./run-command.ts')).registerRunCommand,
  worker: async () => (await import('./worker-command.ts')).registerWorkerCommand,
  predict: async () => (await import('./predict-command.ts')).registerPredictCommand,
  retrain: async () => (await import('./retrain-command.ts')).registerRetrainCommand,
  serve: async () => (await import('./serve-command.ts')).registerServeCommand,
  ...Object.fromEntries(
    ['logs', 'list', 'status', 'cancel', 'resume', 'importance'].map((name) => [
      name,
      async () => (await import('./campaign-commands.ts')).registerCampaignCommands,
    ]),
  ),
};

/** The order `lgt --help` lists them in. */
const HELP_ORDER = ['tasks', 'trial', 'run', 'worker', 'logs', 'predict', 'retrain', 'serve'];

/**
 * The lgt command with all its subcommands and flags, parsed by nothing yet: the documentation's
 * test checks every command it shows against it.
 */
export async function createProgram(): Promise<Command> {
  const program = bareProgram();
  for (const name of HELP_ORDER) (await COMMAND_MODULES[name]!())(program);
  return program;
}

/**
 * The program for one command line (main.ts): with only the subcommand it names, or, for
 * `--version` alone, none; everything for help and for what it does not know.
 */
export async function programFor(argv: readonly string[]): Promise<Command> {
  const args = argv.slice(2);
  const named = args.find((a) => !a.startsWith('-'));
  if (named === undefined && args.length === 1 && ['-V', '--version'].includes(args[0]!))
    return bareProgram();
  const load = named !== undefined ? COMMAND_MODULES[named] : undefined;
  if (!load || args.includes('-h') || args.includes('--help')) return createProgram();
  const program = bareProgram();
  (await load())(program);
  return program;
}

function bareProgram(): Command {
  return (
    new Command()
      .name('lgt')
      .description(
        'Language-Guided Tuning: tune TensorFlow.js models with LLM agents over a Redis job queue',
      )
      .version(packageVersion(), '-V, --version', "print lgt's version")
      .showHelpAfterError('(lgt --help lists the commands)')
      // Commander's own errors in lgt's one format ("lgt: ...", exit 2: a mistake in the request).
      .configureOutput({
        outputError: (text, write) => write(text.replace(/^error: /, 'lgt: ')),
      })
      .exitOverride()
  );
}

function packageVersion(): string {
  const file = path.join(PACKAGE_ROOT, 'package.json');
  return z.object({ version: z.string() }).parse(JSON.parse(readFileSync(file, 'utf8'))).version;
}
