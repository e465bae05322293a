/**
 * A failure whose message says all there is to know and what to do (Redis does not answer, no
 * such campaign): the command line prints it without the stack-trace hint, exit status 1. Lives
 * at the bottom so that any layer can say "this is not a bug".
 */
export class ExpectedFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExpectedFailure';
  }
}
