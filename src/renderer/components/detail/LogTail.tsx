// The last lines of the worker's log, newest at the bottom. It opens scrolled to the newest line and
// follows new lines as they arrive, unless the user has scrolled up to read: then it stays put.

import { useEffect, useLayoutEffect, useRef } from 'react';

/** Within this many pixels of the bottom counts as "at the newest line" (a rounding, a partial line). */
const AT_BOTTOM_PX = 24;

export function LogTail({ lines }: { lines: string[] }) {
  const box = useRef<HTMLPreElement>(null);
  const follow = useRef(true);
  const text = lines.join('\n');
  // biome-ignore lint/correctness/useExhaustiveDependencies: the text is what changes the scroll height.
  useLayoutEffect(() => {
    const el = box.current;
    if (el && follow.current) el.scrollTop = el.scrollHeight;
  }, [text]);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const onScroll = () => {
      follow.current = el.scrollHeight - el.scrollTop - el.clientHeight <= AT_BOTTOM_PX;
    };
    el.addEventListener('scroll', onScroll, { passive: true });
    return () => el.removeEventListener('scroll', onScroll);
  }, []);
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
