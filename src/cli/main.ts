import { CommanderError } from 'commander';
import { programFor } from './program.ts';

try {
  await (await programFor(process.argv)).parseAsync(process.argv);
} catch (error) {
  // Help and --version end here too, successfully; anything else was a mistake in the request.
  process.exitCode =
    error instanceof CommanderError ? (error.exitCode === 0 ? 0 : 2) : await reportError(error);
}

/**
 * Prints an error the way a person can act on it; returns the exit status. The error classes
 * are loaded here, when one is needed, not at every start (see programFor).
 */
async function reportError(error: unknown): Promise<number> {
  const [
    { ExpectedFailure },
    { InvalidCampaignRequestError },
    { MissingDataFileError },
    { InvalidConfigError },
    { RequestError },
    { describeRequestError },
    { UsageError },
  ] = await Promise.all([
    import('../errors/expected-failure.ts'),
    import('../contracts/campaign-request.ts'),
    import('../data/data-files.ts'),
    import('../search-space/search-space.ts'),
    import('../errors/request-error.ts'),
    import('./request-flags.ts'),
    import('./usage-error.ts'),
  ]);
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
