import { CommanderError } from 'commander';
import { createProgram } from './program.ts';
import { ExpectedFailure } from '../errors/expected-failure.ts';
import { InvalidCampaignRequestError } from '../contracts/campaign-request.ts';
import { MissingDataFileError } from '../data/data-files.ts';
import { InvalidConfigError } from '../search-space/search-space.ts';
import { RequestError } from '../errors/request-error.ts';
import { describeRequestError } from './request-flags.ts';
import { UsageError } from './usage-error.ts';

const program = createProgram();

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
