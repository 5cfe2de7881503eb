import { useClient } from '../stores/context';

const EXAMPLE = `hosts:
  ec2: {}                      # an alias from ~/.ssh/config
workers:
  - name: I3D
    host: ec2
    dir: ~/runs/i3d
    metrics: results/metrics.jsonl
    log: logs/train.log`;

/** Shown when no worker is configured: how to write the first config. */
export function EmptyState() {
  const client = useClient();
  return (
    <section className="empty" aria-labelledby="empty-title">
      <h2 id="empty-title">No workers to watch yet</h2>
      <p>
        Add a host: in a terminal, <code>vigil init ec2:~/runs</code> finds the runs in that folder and writes
        the config for you.
      </p>
      <p>
        Or describe your training runs in <code>~/.config/vigil/config.yaml</code> (or set{' '}
        <code>VIGIL_CONFIG</code>):
      </p>
      <pre className="example">{EXAMPLE}</pre>
      <p>
        Check it with <code>vigil doctor</code>, then reload.
      </p>
      <button type="button" onClick={() => void client.reloadConfig()}>
        Reload configuration
      </button>
    </section>
  );
}
