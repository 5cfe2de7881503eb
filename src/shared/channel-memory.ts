// Two transports joined back to back, for tests and for running the UI against an in-process backend.
// Delivery is asynchronous (a microtask), like every real wire, so tests cannot depend on re-entrancy.
// Messages are structured-cloned so neither side can mutate what the other holds.

import type { ChannelMessage, Transport } from './channel';

export function createMemoryTransportPair(): [client: Transport, server: Transport] {
  const sides = [new Set<(m: unknown) => void>(), new Set<(m: unknown) => void>()] as const;
  const make = (own: Set<(m: unknown) => void>, peer: Set<(m: unknown) => void>): Transport => ({
    send(message: ChannelMessage) {
      const copy = structuredClone(message);
      queueMicrotask(() => {
        for (const l of [...peer]) l(copy);
      });
    },
    onMessage(listener) {
      own.add(listener);
      return () => own.delete(listener);
    },
  });
  return [make(sides[0], sides[1]), make(sides[1], sides[0])];
}
