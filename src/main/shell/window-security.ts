// The popover window and its hardening. Every option that matters for security is set explicitly,
// even where it is Electron's default, so a future default change cannot weaken it silently.

export interface PopoverWindowOptions {
  width: number;
  height: number;
  show: boolean;
  frame: boolean;
  resizable: boolean;
  movable: boolean;
  minimizable: boolean;
  maximizable: boolean;
  fullscreenable: boolean;
  skipTaskbar: boolean;
  alwaysOnTop: boolean;
  webPreferences: {
    preload: string;
    contextIsolation: true;
    sandbox: true;
    nodeIntegration: false;
    nodeIntegrationInWorker: false;
    nodeIntegrationInSubFrames: false;
    webSecurity: true;
    allowRunningInsecureContent: false;
    webviewTag: false;
    navigateOnDragDrop: false;
    spellcheck: false;
  };
}

export const POPOVER_SIZE = { width: 420, height: 600 };

export function popoverWindowOptions(preloadPath: string): PopoverWindowOptions {
  return {
    ...POPOVER_SIZE,
    show: false,
    frame: false,
    resizable: false,
    movable: false,
    minimizable: false,
    maximizable: false,
    fullscreenable: false,
    skipTaskbar: true,
    alwaysOnTop: true,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  };
}

export interface PreventableEvent {
  preventDefault(): void;
}

export interface HardenableWebContents {
  on(
    event: 'will-navigate' | 'will-redirect' | 'will-attach-webview',
    listener: (event: PreventableEvent) => void,
  ): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
  session: {
    setPermissionRequestHandler(
      handler: (webContents: unknown, permission: string, callback: (granted: boolean) => void) => void,
    ): void;
    setPermissionCheckHandler(handler: () => boolean): void;
  };
}

/** The popover is a single page: it never navigates, opens windows, embeds webviews or gets permissions. */
export function hardenWebContents(webContents: HardenableWebContents): void {
  const deny = (event: PreventableEvent) => event.preventDefault();
  webContents.on('will-navigate', deny);
  webContents.on('will-redirect', deny);
  webContents.on('will-attach-webview', deny);
  webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  webContents.session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  webContents.session.setPermissionCheckHandler(() => false);
}
