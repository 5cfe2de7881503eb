// `/metrics` of `vigil serve`: the snapshot in Prometheus's text exposition format (version 0.0.4),
// so an existing Prometheus + Alertmanager can watch the fleet and page. Non-finite values are
// exported as they are (a NaN loss is the most important number); a value Vigil does not know is
// left out rather than written as 0, so absent() and staleness tell "unknown" from "zero".

import { type FleetSnapshot, WORKER_STATUSES } from '../../../shared/model';

type Labels = Record<string, string>;

interface Family {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  samples: { labels: Labels; value: number }[];
}

/** Label values escaped as the exposition format asks: backslash, double quote, line feed. */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

const seconds = (iso: string | null | undefined): number | null => {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t / 1000;
};

/** A connection that answers (degraded still answers: one probe timed out, keepalives do not). */
const UP_CONNECTIONS = new Set(['ok', 'degraded']);

export function prometheusText(snap: FleetSnapshot): string {
  const families: Family[] = [];
  const family = (name: string, type: Family['type'], help: string): Family['samples'] => {
    const f: Family = { name, type, help, samples: [] };
    families.push(f);
    return f.samples;
  };
  const add = (to: Family['samples'], labels: Labels, value: number | null) => {
    if (value !== null) to.push({ labels, value });
  };

  const configOk = family(
    'vigil_config_ok',
    'gauge',
    '1 when the configuration loaded, 0 when it has an error.',
  );
  add(configOk, {}, snap.configError === null ? 1 : 0);

  const status = family(
    'vigil_worker_status',
    'gauge',
    "1 for the worker's current status, 0 for every other status.",
  );
  const epoch = family('vigil_worker_epoch', 'gauge', 'The newest epoch the run wrote.');
  const total = family('vigil_worker_total_epochs', 'gauge', 'The epochs the run is configured to reach.');
  const step = family('vigil_worker_step', 'gauge', 'The newest step the run wrote.');
  const loss = family('vigil_worker_loss', 'gauge', 'The newest value of the loss metric Vigil follows.');
  const metric = family(
    'vigil_worker_metric',
    'gauge',
    'Every numeric metric of the newest record (NaN and infinities included).',
  );
  const progress = family(
    'vigil_worker_last_progress_timestamp_seconds',
    'gauge',
    'When the worker last made progress (Unix time).',
  );
  const up = family('vigil_host_up', 'gauge', '1 while Vigil is in contact with the host, else 0.');
  const contact = family(
    'vigil_host_last_contact_timestamp_seconds',
    'gauge',
    'When the host last answered (Unix time).',
  );
  const syncOk = family(
    'vigil_sync_last_success_timestamp_seconds',
    'gauge',
    'When a sync rule last succeeded (Unix time).',
  );
  const syncRun = family(
    'vigil_sync_last_run_timestamp_seconds',
    'gauge',
    'When a sync rule last ran, whatever its result (Unix time).',
  );
  const syncGood = family(
    'vigil_sync_ok',
    'gauge',
    "1 when the sync rule's last run succeeded, 0 when it failed.",
  );

  const hosts = new Map<string, { up: boolean; contact: number | null }>();
  for (const w of snap.workers) {
    const worker = w.name;
    for (const s of WORKER_STATUSES) add(status, { worker, host: w.host, status: s }, s === w.status ? 1 : 0);
    add(epoch, { worker }, w.epoch);
    add(total, { worker }, w.totalEpochs);
    add(step, { worker }, w.step);
    add(loss, { worker, metric: w.lossMetric ?? 'loss' }, w.loss);
    for (const [name, value] of Object.entries(w.metrics)) add(metric, { worker, metric: name }, value);
    add(progress, { worker }, seconds(w.lastProgressAt));
    const h = hosts.get(w.host) ?? { up: false, contact: null };
    h.up ||= UP_CONNECTIONS.has(w.connection);
    const c = seconds(w.lastContactAt);
    if (c !== null && (h.contact === null || c > h.contact)) h.contact = c;
    hosts.set(w.host, h);
    for (const r of w.sync) {
      const labels = { worker, to: r.to };
      add(syncOk, labels, seconds(r.lastOkAt));
      const ran = seconds(r.lastSyncAt);
      add(syncRun, labels, ran);
      if (ran !== null) add(syncGood, labels, r.lastOkAt === r.lastSyncAt ? 1 : 0);
    }
  }
  for (const [host, h] of hosts) {
    add(up, { host }, h.up ? 1 : 0);
    add(contact, { host }, h.contact);
  }

  const relayUp = family(
    'vigil_relay_target_up',
    'gauge',
    "1 while a relay target's deliveries get through.",
  );
  const relayPending = family(
    'vigil_relay_pending',
    'gauge',
    'Alerts waiting in the outbox for a relay target.',
  );
  const relayDropped = family(
    'vigil_relay_dropped_total',
    'counter',
    'Alerts given up for a relay target (outbox full, or refused by the receiver).',
  );
  for (const t of snap.relay ?? []) {
    add(relayUp, { target: t.label }, t.state === 'ok' ? 1 : 0);
    add(relayPending, { target: t.label }, t.pending);
    add(relayDropped, { target: t.label }, t.dropped);
  }

  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
        .join(',');
      lines.push(`${f.name}${labels ? `{${labels}}` : ''} ${formatValue(s.value)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
