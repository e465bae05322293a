import { LgtError, type LgtErrorCode } from './lgt-error.ts';

/**
 * A failure whose message says all there is to know and what to do (Redis does not answer, no
 * such campaign): the command line prints it without the stack-trace hint, exit status 1; the API
 * answers its code's status. Lives at the bottom so that any layer can say "this is not a bug".
 */
export class ExpectedFailure extends LgtError {
  constructor(message: string, code: Exclude<LgtErrorCode, 'invalid-request'> = 'unavailable') {
    super(code, message);
    this.name = 'ExpectedFailure';
  }
}
