// Last-resort cleanup for everything the bench starts. Tests are expected to call stop(), but a failed
// assertion or a crashed worker must not leave sshd listeners or trainers running on a shared box:
// on process exit every registered hook runs synchronously (SIGKILL by PID, rmSync), since 'exit'
// handlers cannot await.

const hooks = new Set<() => void>();

process.on('exit', () => {
  for (const hook of hooks) {
    try {
      hook();
    } catch {
      // Best effort: one failing hook must not keep the others from running.
    }
  }
  hooks.clear();
});

/** Registers a synchronous cleanup hook; returns a function that unregisters it. */
export function onExitCleanup(hook: () => void): () => void {
  hooks.add(hook);
  return () => {
    hooks.delete(hook);
  };
}
