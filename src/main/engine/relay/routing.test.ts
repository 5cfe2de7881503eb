import { describe, expect, it } from 'vitest';
import { DEFAULT_NOTIFY_KINDS } from '../config';
import { takesAlert } from './routing';

describe('which alerts a target takes', () => {
  it('by default: problems, reminders of them, host warnings and finished runs; not recoveries', () => {
    const takes = (kind: string, status: string | null = null) =>
      takesAlert(DEFAULT_NOTIFY_KINDS, kind, status);
    for (const k of ['stalled', 'unreachable', 'failed', 'diverged', 'error', 'finished', 'warning'])
      expect(takes(k), k).toBe(true);
    expect(takes('recovered')).toBe(false);
    expect(takes('back')).toBe(false);
    expect(takes('reminder', 'stalled')).toBe(true);
  });

  it('a host return goes where "recovered" goes; a reminder only with its alarm', () => {
    expect(takesAlert(['recovered'], 'back', null)).toBe(true);
    expect(takesAlert(['warnings'], 'warning', null)).toBe(true);
    expect(takesAlert(['failed', 'reminder'], 'reminder', 'stalled')).toBe(false);
    expect(takesAlert(['stalled', 'reminder'], 'reminder', 'stalled')).toBe(true);
    expect(takesAlert(['stalled'], 'no-such-kind', null)).toBe(false);
  });
});
