/**
 * Removes secrets from text that may reach a log or a report: the configured API key wherever
 * it appears, bearer tokens and key-looking strings.
 */
export function redactSecrets(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let out = text;
  const key = env['OPENAI_API_KEY'];
  if (key && key.length >= 6) out = out.split(key).join('[redacted]');
  return out
    .replace(/Bearer\s+[A-Za-z0-9._~+/=-]+/gi, 'Bearer [redacted]')
    .replace(/\bsk-[A-Za-z0-9_-]{8,}/g, '[redacted]');
}
