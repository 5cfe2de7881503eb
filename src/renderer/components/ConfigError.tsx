import { useClient } from '../stores/context';

export function ConfigError({ message }: { message: string }) {
  const client = useClient();
  return (
    <section className="config-error" role="alert" aria-labelledby="config-error-title">
      <h2 id="config-error-title">The configuration has a problem</h2>
      <pre>{message}</pre>
      <button type="button" onClick={() => void client.reloadConfig()}>
        Reload configuration
      </button>
    </section>
  );
}
