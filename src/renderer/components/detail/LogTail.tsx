// The last lines of the worker's log.

export function LogTail({ lines }: { lines: string[] }) {
  return (
    <>
      <h3>Log</h3>
      <section aria-label="Log tail">
        <pre className="log-tail">{lines.length > 0 ? lines.join('\n') : 'No log lines yet.'}</pre>
      </section>
    </>
  );
}
