import { describe, expect, it } from 'vitest';
import { ConfigError, formatIssue, formatPath } from './errors';

describe('formatPath', () => {
  it('writes keys with dots and list indexes in brackets', () => {
    expect(formatPath(['workers', 1, 'stallAfter'])).toBe('workers[1].stallAfter');
    expect(formatPath(['hosts', 'ec2', 'port'])).toBe('hosts.ec2.port');
    expect(formatPath(['hosts', 'gpu.example.com', 'port'])).toBe('hosts["gpu.example.com"].port');
    expect(formatPath([])).toBe('');
  });
});

describe('ConfigError', () => {
  const issues = [
    {
      file: 'config.yaml',
      line: 12,
      column: 5,
      path: 'workers[1].stalAfter',
      message: 'unknown key "stalAfter"',
    },
    { file: 'config.yaml', line: 14, column: 3, path: '', message: 'something else' },
  ];

  it('prints one problem per line as file:line:column: path: message', () => {
    const err = new ConfigError(issues);
    expect(err.toString()).toBe(
      'config.yaml:12:5: workers[1].stalAfter: unknown key "stalAfter"\nconfig.yaml:14:3: something else',
    );
    expect(err.message).toBe(err.toString());
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('ConfigError');
  });

  it('exposes the first problem as fields and all of them as issues', () => {
    const err = new ConfigError(issues);
    expect([err.file, err.line, err.column, err.path]).toEqual([
      'config.yaml',
      12,
      5,
      'workers[1].stalAfter',
    ]);
    expect(err.issues).toHaveLength(2);
  });

  it('leaves out a position the problem does not have', () => {
    expect(formatIssue({ file: '/x/config.yaml', path: '', message: 'missing' })).toBe(
      '/x/config.yaml: missing',
    );
  });
});
