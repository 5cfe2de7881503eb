// Renderer entry: pick the wire, build the client and the stores, render.

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createClient } from '../shared/channel';
import type { LinkState } from '../shared/channel-reconnect';
import type { WebSocketLike } from '../shared/channel-websocket';
import { App } from './App';
import { type BootWindow, pickTransport } from './boot/pick-transport';
import { connectStores, followLink } from './stores/connect';
import { ServicesProvider } from './stores/context';
import { createStores } from './stores/stores';
import { createWebNotifier, type NotificationCtor, type WebNotifier } from './web-notifications';
import './styles.css';

const root = createRoot(document.getElementById('root')!);
let onLink: (state: LinkState) => void = () => {};
const picked = pickTransport(
  window as unknown as BootWindow,
  (url) => new WebSocket(url) as unknown as WebSocketLike,
  { onState: (state) => onLink(state) },
);

if (picked.kind === 'none') {
  root.render(
    <main className="app">
      <p className="load-error" role="alert">
        {picked.reason}
      </p>
    </main>,
  );
} else {
  const client = createClient(picked.transport);
  const stores = createStores();
  const signal = new AbortController().signal;
  connectStores(client, stores, signal);
  onLink = followLink(client, stores, signal);
  // In a browser (`vigil serve`), alerts also become browser notifications once the user allows them.
  let notifier: WebNotifier | undefined;
  if (picked.kind === 'websocket') {
    const api = (window as unknown as { Notification?: NotificationCtor }).Notification;
    const web = createWebNotifier(api, (worker) => {
      window.focus();
      stores.navigation.getState().open(worker);
    });
    client.on('alert', (alert) => web.notify(alert), { signal });
    notifier = web;
  }
  root.render(
    <StrictMode>
      <ServicesProvider client={client} stores={stores}>
        <App notifier={notifier} />
      </ServicesProvider>
    </StrictMode>,
  );
}
