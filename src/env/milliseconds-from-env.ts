/**
 * A duration in milliseconds from an environment variable, or `fallback` when it is unset; a
 * value that is not a positive number is an error naming the variable.
 */
export function millisecondsFromEnv(
  name: string,
  fallback: number,
  env: NodeJS.ProcessEnv = process.env,
): number {
  const raw = env[name];
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`${name} must be a positive number of milliseconds, got "${raw}"`);
  return n;
}
