import { LgtError } from '../errors/lgt-error.ts';
/**
 * A mistake in what the person asked for (an unknown task, a bad option, an invalid
 * configuration): printed as a message without a stack trace, exit status 2.
 */
export class UsageError extends LgtError {
  constructor(message: string) {
    super('invalid-request', message);
    this.name = 'UsageError';
  }
}
