// Fetches a downsampled series and refetches when the worker has new records. The last good answer
// stays on screen while the next one loads, or when the worker cannot be reached.

import { useEffect, useState } from 'react';
import type { SeriesOptions, SeriesResult } from '../../shared/contract';
import { useClient } from '../stores/context';

export function useSeries(
  worker: string,
  metrics: readonly string[],
  options: SeriesOptions,
  /** Changes whenever new data may exist (the worker's record count). */
  revision: number,
): { result: SeriesResult | null; error: string | null } {
  const client = useClient();
  const [state, setState] = useState<{ result: SeriesResult | null; error: string | null }>({
    result: null,
    error: null,
  });
  const key = JSON.stringify([worker, metrics, options]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for worker, metrics and options.
  useEffect(() => {
    if (metrics.length === 0) return;
    let current = true;
    client.getSeries(worker, [...metrics], options).then(
      (result) => current && setState({ result, error: null }),
      (error: Error) => current && setState((s) => ({ result: s.result, error: error.message })),
    );
    return () => {
      current = false;
    };
  }, [client, key, revision]);
  return state;
}
