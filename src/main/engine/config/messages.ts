// zod's own messages ("Invalid input: expected number, received string") are worded for programmers.
// This error map rewords the generic ones for the person editing the YAML, and notes which keys each
// strict object allows so an unknown key can get a "did you mean".

import { z } from 'zod';

/** How a YAML value reads to the user, for "expected X, got Y". */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'string') return `the text ${JSON.stringify(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  if (Array.isArray(value)) return 'a list';
  return 'a mapping';
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping (key: value)',
  record: 'a mapping (name: settings)',
  array: 'a list',
};

/** Where an object's allowed keys are kept, by the JSON of the object's path. */
export type AllowedKeys = Map<string, string[]>;

export const pathKey = (path: readonly PropertyKey[]): string => JSON.stringify(path.map(String));

export function makeErrorMap(allowed: AllowedKeys): z.core.$ZodErrorMap {
  return (issue) => {
    const path = issue.path ?? [];
    switch (issue.code) {
      case 'unrecognized_keys': {
        if (issue.inst instanceof z.ZodObject) allowed.set(pathKey(path), Object.keys(issue.inst.shape));
        return 'unknown key';
      }
      case 'invalid_type': {
        if (issue.input === undefined) return `missing required key "${String(path.at(-1))}"`;
        if (issue.input === null) return 'has no value: give one or remove the key';
        // A value under alerts.notify might be a secret written in the wrong place: never quote it.
        if (path[0] === 'alerts' && path[1] === 'notify')
          return `expected ${EXPECTED[issue.expected] ?? issue.expected}`;
        return `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${describeValue(issue.input)}`;
      }
      case 'too_small':
        return issue.origin === 'string' ? 'must not be empty' : `must be at least ${issue.minimum}`;
      case 'too_big':
        return `must be at most ${issue.maximum}`;
      default:
        return undefined;
    }
  };
}
