import { describe, expect, it } from 'vitest';
import { renderTable } from './table';

describe('chaos table', () => {
  it('renders rows as Markdown, with the reason when a fault could not be injected', () => {
    const t = renderTable([
      {
        fault: 'session frozen',
        expected: 'unreachable ≤ 40 s',
        observed: 'unreachable',
        detectionMs: 3100,
        recoveryMs: 900,
        recordsLost: 0,
        recordsDuplicated: 0,
        connectionAttempts: 3,
        rssBeforeMb: 80,
        rssAfterMb: 82,
        pass: true,
      },
      {
        fault: 'disk full',
        expected: 'clear error',
        observed: '',
        detectionMs: null,
        recoveryMs: null,
        recordsLost: null,
        recordsDuplicated: null,
        connectionAttempts: null,
        rssBeforeMb: null,
        rssAfterMb: null,
        pass: false,
        notRun: 'no tmpfs',
      },
    ]);
    expect(t.split('\n')[2]).toBe(
      '| session frozen | unreachable ≤ 40 s | unreachable | 3100 | 900 | 0 | 0 | 3 | 80→82 | pass |',
    );
    expect(t).toContain('not run: no tmpfs');
  });
});
