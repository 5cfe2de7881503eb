import { describe, expect, it } from 'vitest';
import { Redactor, readSecret } from './secrets';

const sources = (files: Record<string, string>, env: Record<string, string> = {}) => ({
  env,
  readFile: (p: string) => {
    if (p in files) return files[p]!;
    throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
  },
});

describe('secrets', () => {
  it('reads a file (trimmed) or a variable, and the redactor learns each', () => {
    const r = new Redactor();
    expect(readSecret({ file: '/s/tok' }, 'token', sources({ '/s/tok': 'tk_abcdef123\n' }), r)).toBe(
      'tk_abcdef123',
    );
    expect(readSecret({ env: 'HOOK' }, 'secret', sources({}, { HOOK: 'hmac-key-1' }), r)).toBe('hmac-key-1');
    expect(r.redact('Authorization: Bearer tk_abcdef123, key hmac-key-1')).toBe(
      'Authorization: Bearer [redacted], key [redacted]',
    );
  });

  it('says what to fix without the value', () => {
    const r = new Redactor();
    expect(() => readSecret({ file: '/s/none' }, 'token', sources({}), r)).toThrow(
      'cannot read tokenFile /s/none: no such file — create it holding the secret (and chmod 600 it)',
    );
    expect(() => readSecret({ env: 'NOPE' }, 'webhook', sources({}), r)).toThrow(
      'the environment variable NOPE (webhookEnv) is not set',
    );
    expect(() => readSecret({ file: '/e' }, 'token', sources({ '/e': '  \n' }), r)).toThrow(
      'tokenFile /e is empty',
    );
  });

  it('redacts a webhook URL whole, its path alone, and its encoded forms', () => {
    const r = new Redactor();
    const hook = 'https://hooks.slack.com/services/T0001/B0002/abcdefSECRET';
    r.add(hook);
    expect(r.redact(`POST ${hook} failed`)).toBe('POST [redacted] failed');
    expect(r.redact('path /services/T0001/B0002/abcdefSECRET')).toBe('path [redacted]');
    expect(r.redact(encodeURIComponent(hook))).toBe('[redacted]');
  });
});
