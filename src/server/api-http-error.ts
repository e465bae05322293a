import type { ApiError } from '../contracts/api-error.ts';

/** A refusal the API answers as JSON `{error, message, fields?}` with its HTTP status. */
export class ApiHttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly fields?: ApiError['fields'],
  ) {
    super(message);
    this.name = 'ApiHttpError';
  }

  toJSON(): ApiError {
    return {
      error: this.code,
      message: this.message,
      ...(this.fields ? { fields: this.fields } : {}),
    };
  }
}

export const notFound = (what: string, hint: string) =>
  new ApiHttpError(404, 'not-found', `${what} does not exist; ${hint}`);
