// The last lines of the worker's log, newest at the bottom. It opens scrolled to the newest line and
// follows new lines as they arrive, unless the user has scrolled up to read: then it stays put.

import { useLayoutEffect, useRef } from 'react';

/** Within this many pixels of the bottom counts as "at the newest line" (a rounding, a partial line). */
const AT_BOTTOM_PX = 24;

export function LogTail({ lines }: { lines: string[] }) {
  const box = useRef<HTMLPreElement>(null);
  /** The content's height before this render: where "the bottom" was when the reader last saw it. */
  const heightBefore = useRef(0);
  const text = lines.join('\n');
  // Whether to follow is read from the scroll position itself, not from scroll events: a reader's
  // scroll lands in `scrollTop` at once, but its event waits for the next frame, and new lines can
  // arrive in between.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the text is what changes the scroll height.
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const wasAtBottom = el.scrollTop + el.clientHeight >= heightBefore.current - AT_BOTTOM_PX;
    if (wasAtBottom) el.scrollTop = el.scrollHeight;
    heightBefore.current = el.scrollHeight;
  }, [text]);
  return (
    <>
      <h3>Log</h3>
      <section aria-label="Log tail">
        <pre className="log-tail" ref={box}>
          {lines.length > 0 ? text : 'No log lines yet.'}
        </pre>
      </section>
    </>
  );
}
