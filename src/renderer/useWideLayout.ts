// True in a browser window wide enough for the list and a detail side by side (`vigil serve` on a
// desktop). The 420 px popover never is, so it keeps one view at a time.

import { useEffect, useState } from 'react';

export const WIDE_QUERY = '(min-width: 1100px)';

const media = () =>
  typeof window !== 'undefined' && window.matchMedia ? window.matchMedia(WIDE_QUERY) : null;

export function useWideLayout(): boolean {
  const [wide, setWide] = useState(() => media()?.matches ?? false);
  useEffect(() => {
    const query = media();
    if (!query) return;
    const onChange = () => setWide(query.matches);
    onChange();
    query.addEventListener('change', onChange);
    return () => query.removeEventListener('change', onChange);
  }, []);
  return wide;
}
