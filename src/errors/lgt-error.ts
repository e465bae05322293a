/**
 * What each way of refusing or failing a request is, and what it answers: the command line's exit
 * status (2: the request was wrong; 1: it could not be done) and the HTTP API's status. One table,
 * so `lgt` and the API never disagree (an expected failure is a 4xx, 409 or 503, never a 500; the
 * only 500s are a stored record that is not lgt's and a bug).
 */
export const ERROR_CODES = {
  /** A mistake in what was asked: a field, a flag, a task that does not exist. */
  'invalid-request': { exit: 2, http: 400 },
  /** No token, or the wrong one. */
  unauthorized: { exit: 2, http: 401 },
  /** A Host the server does not answer to (DNS rebinding). */
  'host-not-allowed': { exit: 2, http: 403 },
  /** No such campaign. */
  'not-found': { exit: 1, http: 404 },
  /** The campaign has no such trial. */
  'no-trial': { exit: 1, http: 404 },
  /** The campaign has no report yet. */
  'no-report': { exit: 1, http: 404 },
  /** Cancel asked of a campaign that is not queued or running. */
  'not-running': { exit: 1, http: 409 },
  /** Resume asked of a finished campaign. */
  finished: { exit: 1, http: 409 },
  /** A body larger than the server takes. */
  'body-too-large': { exit: 2, http: 413 },
  /** A body that is not JSON. */
  'unsupported-media-type': { exit: 2, http: 415 },
  /** A data file is missing here or is not the file it should be (its SHA-256 differs). */
  'missing-data': { exit: 1, http: 422 },
  /** What the request needs is not there: Redis does not answer, a package is not installed. */
  unavailable: { exit: 1, http: 503 },
  /** A campaign written by another version of lgt's store, which this one does not read. */
  'other-version': { exit: 1, http: 409 },
  /** An LLM endpoint's answer lgt cannot use (after the repair turn), or one without logprobs. */
  'llm-reply': { exit: 1, http: 502 },
  /** lgt serve answered a client with an error (the client's side of any row above). */
  'api-answer': { exit: 1, http: 502 },
  // What workers and drivers tell each other: they end a job, not a request, and reach a person
  // only through a log. Each still has its row, so nothing that escapes is a bare 500.
  /** A worker that shuts down hands its trial or campaign back to the queue. */
  'handed-back': { exit: 1, http: 503 },
  /** A newer driver or attempt holds the campaign or trial: this one writes nothing more. */
  superseded: { exit: 1, http: 409 },
  /** The campaign already has its trials. */
  'budget-spent': { exit: 1, http: 409 },
  /** This worker may not run the task (a module or command its permissions do not allow). */
  'not-allowed-here': { exit: 1, http: 403 },
  /** A job whose data is not what its trial's record makes. */
  'job-refused': { exit: 1, http: 409 },
  /** Redis holds something under lgt's keys that is not an lgt record. */
  'invalid-record': { exit: 1, http: 500 },
} as const satisfies Record<string, { exit: 1 | 2; http: number }>;

export type LgtErrorCode = keyof typeof ERROR_CODES;

/** A field of a request and what it must be. */
export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * The one base of lgt's errors that are not bugs: a code from ERROR_CODES and a message that says
 * what to change or what to do, and for a bad request each field. Anything else that reaches the
 * command line or the API is a bug: exit status 1 with the stack-trace hint, or a 500 that says
 * only that the server's log holds the cause.
 */
export class LgtError extends Error {
  constructor(
    readonly code: LgtErrorCode,
    message: string,
    readonly fields?: FieldProblem[],
  ) {
    super(message);
    this.name = 'LgtError';
  }

  get exitStatus(): 1 | 2 {
    return ERROR_CODES[this.code].exit;
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].http;
  }
}
