/**
 * The message for a value outside a list, in zod's `error` option form: "must be one of a, b
 * (got "c")", a sentence a person can act on where the library would print its own notation.
 */
export const oneOf =
  (names: readonly string[]) =>
  (issue: { input?: unknown }): string =>
    `must be one of ${names.join(', ')} (got ${JSON.stringify(issue.input)})`;
