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
  const [{ LgtError }, { InvalidCampaignRequestError }, { describeRequestError }] =
    await Promise.all([
      import('../errors/lgt-error.ts'),
      import('../contracts/campaign-request.ts'),
      import('./request-flags.ts'),
    ]);
  // A request's fields are said as the flags that set them.
  if (error instanceof InvalidCampaignRequestError) {
    process.stderr.write(`lgt: ${describeRequestError(error)}\n`);
    return error.exitStatus;
  }
  // Every refusal and expected failure: its message, and the status its code's row gives.
  if (error instanceof LgtError) {
    process.stderr.write(`lgt: ${error.message}\n`);
    return error.exitStatus;
  }
  const e = error as Error;
  process.stderr.write(`lgt: ${e?.message ?? String(error)}\n`);
  if (process.env['LGT_DEBUG']) process.stderr.write(`${e?.stack ?? ''}\n`);
  else process.stderr.write('(set LGT_DEBUG=1 for the stack trace)\n');
  return 1;
}
