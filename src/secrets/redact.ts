/**
 * Every secret lgt knows, taken out of everything it writes: Redis records and events, the LLM
 * cache, job return values, reports, logs and --json output. A secret can come back from where
 * nobody expects it (an endpoint that echoes the key inside a valid reply), so redaction is by
 * value, wherever the text came from, and not only in the places a key is known to travel.
 */

/** Environment variables whose values are secrets (besides any named like one, see below). */
const SECRET_VARIABLES = ['OPENAI_API_KEY', 'LGT_API_TOKEN'];
/** Variables named like these hold secrets too (AZURE_OPENAI_API_KEY, HF_TOKEN, ...). */
const SECRET_NAME = /(^|_)(API_?KEY|KEY|TOKEN|SECRET|PASSWORD|PASSWD)$/i;
/** Variables holding URLs whose password is a secret. */
const URL_VARIABLES = ['REDIS_URL', 'LGT_WORKER_REDIS_URL', 'LGT_LLM_BASE_URL'];
/** Shorter values would redact ordinary words and numbers; real keys are far longer. */
const MIN_SECRET_LENGTH = 6;

const REPLACEMENT = '[redacted]';
const registered = new Set<string>();

/** Adds a secret that did not come from the environment (a --redis-url password, a token). */
export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= MIN_SECRET_LENGTH) registered.add(value);
}

/** The password of a URL such as redis://user:pass@host, registered as a secret. */
export function registerUrlSecrets(url: string | undefined): void {
  if (!url) return;
  try {
    const u = new URL(url);
    registerSecret(decodeURIComponent(u.password));
  } catch {
    // not a URL: nothing to take from it
  }
}

/** The secrets this process knows: from its environment and registered at run time. */
function knownSecrets(env: NodeJS.ProcessEnv = process.env): string[] {
  const found = new Set(registered);
  for (const [name, value] of Object.entries(env)) {
    if (!value || value.length < MIN_SECRET_LENGTH) continue;
    if (SECRET_VARIABLES.includes(name) || SECRET_NAME.test(name)) found.add(value);
  }
  for (const name of URL_VARIABLES) {
    const value = env[name];
    if (!value) continue;
    try {
      const password = decodeURIComponent(new URL(value).password);
      if (password.length >= MIN_SECRET_LENGTH) found.add(password);
    } catch {
      // not a URL
    }
  }
  // Longest first, so a secret that contains another is replaced whole.
  return [...found].sort((a, b) => b.length - a.length);
}

/**
 * Removes secrets from text that may reach a log, Redis or a report: every known secret (also
 * in its JSON-escaped form, since most of what lgt writes is JSON), bearer tokens and
 * key-looking strings.
 */
export function redactSecrets(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let out = text;
  for (const secret of knownSecrets(env)) {
    if (out.includes(secret)) out = out.split(secret).join(REPLACEMENT);
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret && out.includes(escaped)) out = out.split(escaped).join(REPLACEMENT);
  }
  return out
    .replace(/Bearer\s+[A-Za-z0-9._~+/=-]{6,}/gi, `Bearer ${REPLACEMENT}`)
    .replace(/\bsk-[A-Za-z0-9_-]{8,}/g, REPLACEMENT);
}

/** Query parameters whose values are secrets wherever they appear (?token=, ?api_key=, ...). */
const SECRET_PARAMETER = /(^|[_-])(api_?key|key|token|secret|password|passwd|auth|signature|sig)$/i;

/**
 * A request URL as it may be logged: the values of secret-looking query parameters replaced,
 * whatever they hold (a wrong token is still somebody's secret, maybe a near miss of the right
 * one), then every known secret by value.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return redactSecrets(url);
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        // a malformed name is kept as it came
      }
      return eq >= 0 && SECRET_PARAMETER.test(decoded) ? `${name}=${REPLACEMENT}` : pair;
    })
    .join('&');
  return redactSecrets(`${url.slice(0, q)}?${query}`);
}

/**
 * The environment for a trial process: without the LLM settings and secrets, which training
 * never needs (a trial's process runs whatever a task module does, and /proc/<pid>/environ is
 * readable by its user).
 */
export function environmentWithoutSecrets(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith('LGT_LLM_') || /^LGT_(ADVISOR|EVALUATOR|OPTIMIZER)_MODEL$/.test(name))
      continue;
    if (name.startsWith('OPENAI_')) continue;
    if (SECRET_VARIABLES.includes(name) || SECRET_NAME.test(name)) continue;
    out[name] = value;
  }
  return out;
}
