import { describe, expect, it } from 'vitest';
import {
  environmentWithoutSecrets,
  redactSecrets,
  redactUrl,
  registerSecret,
} from '../../src/secrets/redact.ts';

describe('secrets never leave in what lgt writes', () => {
  it('takes out secrets by value, from the environment and registered ones, escaped too', () => {
    const env = { MY_API_KEY: 'abc"def123', PATH: '/usr/bin', SHORT_TOKEN: 'abc' };
    registerSecret('registered-secret-42');
    const text = JSON.stringify({
      a: 'key abc"def123 here',
      b: 'registered-secret-42',
      p: '/usr/bin',
    });
    const out = redactSecrets(text, env);
    expect(out).not.toContain('def123');
    expect(out).not.toContain('registered-secret-42');
    // Not a secret: an ordinary variable, and values too short to be a key.
    expect(out).toContain('/usr/bin');
    expect(redactSecrets('abc', env)).toBe('abc');
  });

  it('takes out bearer tokens, sk- keys and the password of a Redis URL', () => {
    const env = { REDIS_URL: 'redis://user:hunter2-long@127.0.0.1:6379' };
    expect(redactSecrets('Authorization: Bearer abcdefghij', env)).toBe(
      'Authorization: Bearer [redacted]',
    );
    expect(redactSecrets('key sk-0123456789abcdef', env)).toBe('key [redacted]');
    expect(redactSecrets('connecting with hunter2-long', env)).toBe('connecting with [redacted]');
  });

  it('a logged URL loses the values of secret-looking parameters, whatever they hold', () => {
    expect(redactUrl('/api/campaigns?token=nearly-right&limit=5&api_key=x')).toBe(
      '/api/campaigns?token=[redacted]&limit=5&api_key=[redacted]',
    );
    expect(redactUrl('/api/campaigns')).toBe('/api/campaigns');
  });

  it("a trial process's environment has no LLM settings and no secrets", () => {
    const env = environmentWithoutSecrets({
      PATH: '/usr/bin',
      OPENAI_API_KEY: 'sk-abcdefgh',
      LGT_LLM_BASE_URL: 'http://127.0.0.1:1/v1',
      LGT_ADVISOR_MODEL: 'm',
      HF_TOKEN: 'hf_abcdefgh',
      LGT_DATA_DIR: '/data',
    });
    expect(env).toEqual({ PATH: '/usr/bin', LGT_DATA_DIR: '/data' });
  });
});
