/**
 * A mistake in what the person asked for (an unknown task, a bad option, an invalid
 * configuration): printed as a message without a stack trace, exit status 2.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
