/**
 * A request to a test's `lgt serve`: JSON body (a string is sent as it is, for bodies that are
 * not JSON), the bearer token unless `token` is null.
 */
export function apiCall(
  base: string,
  method: string,
  url: string,
  body: unknown,
  token: string | null,
): Promise<Response> {
  return fetch(`${base}${url}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
}
