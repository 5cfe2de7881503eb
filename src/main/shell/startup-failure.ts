// What the app says when it cannot start: "already running" only when another Vigil holds the data
// folder; anything else names what failed and where the log is. Pure.

export function startupFailureText(error: unknown, logFile: string | null): { title: string; body: string } {
  const e = error as { name?: string; message?: string } | null;
  const message = (e?.message ?? String(error)).trim() || 'unknown error';
  if (e?.name === 'DataDirBusyError') return { title: 'Vigil is already running', body: message };
  return {
    title: 'Vigil could not start',
    body: logFile ? `${message} (details in ${logFile})` : message,
  };
}
