// The client and the stores reach components through one context, so tests can pass their own.

import { createContext, type ReactNode, useContext } from 'react';
import { type StoreApi, useStore } from 'zustand';
import type { ContractClient } from '../../shared/channel';
import type { Stores } from './stores';

interface AppServices {
  client: ContractClient;
  stores: Stores;
}

const Services = createContext<AppServices | null>(null);

export function ServicesProvider({ client, stores, children }: AppServices & { children: ReactNode }) {
  return <Services.Provider value={{ client, stores }}>{children}</Services.Provider>;
}

function useServices(): AppServices {
  const services = useContext(Services);
  if (!services) throw new Error('ServicesProvider is missing');
  return services;
}

export function useClient(): ContractClient {
  return useServices().client;
}

export function useStores(): Stores {
  return useServices().stores;
}

/** Subscribes a component to one slice of one store. */
export function useSlice<S, T>(pick: (stores: Stores) => StoreApi<S>, selector: (state: S) => T): T {
  return useStore(pick(useServices().stores), selector);
}
