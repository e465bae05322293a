import { LgtError, type FieldProblem } from './lgt-error.ts';

/**
 * A mistake in what was asked, in words that say what to change (a task that does not exist, a
 * CSV file without its target column): the command line prints it without a stack trace, exit
 * status 2; a service answers it as a bad request. Lives at the bottom so any layer can say it.
 */
export class RequestError extends LgtError {
  constructor(message: string, fields?: FieldProblem[]) {
    super('invalid-request', message, fields);
    this.name = 'RequestError';
  }
}
