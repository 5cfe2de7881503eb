// Fetches each compared worker's series with the same getSeries command the single chart uses, one
// call per worker, and refetches when any of them has new records. The last good answers stay on
// screen while the next ones load; a worker that cannot answer keeps its last curve and says why.

import { useEffect, useState } from 'react';
import type { SeriesOptions, SeriesResult } from '../../../shared/contract';
import { useClient } from '../../stores/context';

export interface CompareRequest {
  worker: string;
  metrics: string[];
}

export interface CompareSeries {
  results: Record<string, SeriesResult>;
  errors: Record<string, string>;
  loading: boolean;
}

export function useCompareSeries(
  requests: readonly CompareRequest[],
  options: SeriesOptions,
  /** Changes whenever new data may exist (the workers' record counts). */
  revision: string,
): CompareSeries {
  const client = useClient();
  const [state, setState] = useState<CompareSeries>({ results: {}, errors: {}, loading: true });
  const key = JSON.stringify([requests, options]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for requests and options.
  useEffect(() => {
    let current = true;
    setState((s) => ({ ...s, loading: true }));
    Promise.allSettled(requests.map((r) => client.getSeries(r.worker, r.metrics, options))).then(
      (settled) => {
        if (!current) return;
        setState((s) => {
          const results: Record<string, SeriesResult> = {};
          const errors: Record<string, string> = {};
          settled.forEach((outcome, i) => {
            const worker = requests[i]!.worker;
            if (outcome.status === 'fulfilled') results[worker] = outcome.value;
            else {
              errors[worker] = (outcome.reason as Error).message;
              // The x axis changed: an answer for the old axis would be drawn on the wrong scale.
              const kept = s.results[worker];
              if (kept && kept.x === options.x) results[worker] = kept;
            }
          });
          return { results, errors, loading: false };
        });
      },
    );
    return () => {
      current = false;
    };
  }, [client, key, revision]);
  return state;
}
