// ProxyJump: reaching a host through its jump hosts, each hop opened (and checked, and bounded) in turn over
// the one before it.

import type { Client } from 'ssh2';
import { target } from './describe';
import { type HopContext, openHop } from './hop';
import type { ResolvedHost } from './types';

export interface OpenedClient {
  client: Client;
  /** Ends with the client: jump clients, closed after it, innermost first. */
  jumps: Client[];
  /** Called after ready: what is left of the target hop's own connect bound (jump hosts have theirs). */
  remainingMs: () => number;
}

/** Connects `host`, through its jump hosts (outermost first), each with its own checks and bound. */
export async function openChain(host: ResolvedHost, ctx: HopContext): Promise<OpenedClient> {
  const jumps: Client[] = [];
  try {
    let via: Client | null = null;
    for (const [i, jump] of host.proxyJump.entries()) {
      // A jump host's own ProxyJump applies only to the first hop; later hops are reached through the chain.
      const label = `via jump host ${jump.name} (${target(jump)}): `;
      if (i === 0 && jump.proxyJump.length > 0) {
        const inner: OpenedClient = await openChain(jump, ctx);
        jumps.push(...inner.jumps, inner.client);
        via = inner.client;
      } else {
        via = await openHop(jump, via, ctx, label);
        jumps.push(via);
      }
    }
    // Each hop has its own bound, so time spent on slow jump hosts does not starve the target's shell.
    const started = Date.now();
    const client = await openHop(host, via, ctx, '');
    return { client, jumps, remainingMs: () => host.connectTimeoutMs - (Date.now() - started) };
  } catch (err) {
    for (const j of jumps.reverse()) j.destroy();
    throw err;
  }
}
