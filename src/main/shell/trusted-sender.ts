// Only our own window may talk to the backend (after GitHub Desktop's trusted-ipc-sender): the
// message must come from the webContents we created, from a frame showing our own renderer.

export interface IpcSenderEvent {
  sender: { id: number };
  senderFrame?: { url: string } | null;
}

/** Same origin (file: compares the path, since file URLs have no origin). */
function sameApp(url: string, appUrl: string): boolean {
  let a: URL;
  let b: URL;
  try {
    a = new URL(url);
    b = new URL(appUrl);
  } catch {
    return false;
  }
  if (a.protocol !== b.protocol) return false;
  if (a.protocol === 'file:') return a.pathname === b.pathname;
  return a.origin === b.origin;
}

export function isTrustedSender(
  event: IpcSenderEvent,
  trusted: { webContentsId: number; appUrl: string },
): boolean {
  if (event.sender.id !== trusted.webContentsId) return false;
  const frameUrl = event.senderFrame?.url;
  return typeof frameUrl === 'string' && sameApp(frameUrl, trusted.appUrl);
}
