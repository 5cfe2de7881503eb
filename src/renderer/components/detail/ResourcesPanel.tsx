// The worker's own share of its host: RAM (its process tree's RSS, DataLoader workers included), CPU
// and GPU memory now, and over the last hour (GB on the left axis, CPU % on the right).

import { useRef } from 'react';
import { CartesianGrid, ComposedChart, Line, Tooltip, XAxis, YAxis } from 'recharts';
import type { WorkerSnapshot } from '../../../shared/model';
import { formatAxisValue } from '../../format/format';
import { gbText } from '../../format/host-format';
import { useElementWidth } from '../useElementWidth';
import { useResources } from './useResources';

/** Memory and disks in binary gigabytes, as `free -g`, `df -h` and EC2's instance sizes count them. */
const GB = 2 ** 30;
const COLOURS = { rss: '#3b82f6', gpu: '#10b981', cpu: '#f59e0b' };

export function ResourcesPanel({ worker }: { worker: WorkerSnapshot }) {
  const r = worker.resources;
  const box = useRef<HTMLElement>(null);
  const width = useElementWidth(box, 380);
  const { history, error } = useResources(worker.name, JSON.stringify(r ?? null));
  if (!r) return null;
  const rows = (history?.points ?? []).map((p) => ({
    t: p.t,
    rss: p.rssBytes === null ? null : p.rssBytes / GB,
    gpu: p.gpuMemBytes === null ? null : p.gpuMemBytes / GB,
    cpu: p.cpuPct,
  }));
  const hasGpu = rows.some((p) => p.gpu !== null && p.gpu > 0);
  return (
    <section className="resources" aria-label="Resources">
      <h3>Resources</h3>
      <dl className="facts">
        <dt>RAM</dt>
        <dd>{gbText(r.rssBytes)}</dd>
        <dt>CPU</dt>
        <dd>{r.cpuPct === null ? '—' : `${Math.round(r.cpuPct)} %`}</dd>
        <dt>GPU memory</dt>
        <dd>{gbText(r.gpuMemBytes)}</dd>
      </dl>
      <figure className="resource-chart" ref={box} aria-label="RAM, GPU memory and CPU over the last hour">
        {rows.length < 2 ? (
          <p className="chart-empty">
            {error ?? 'The last hour fills in as readings come (one every 10 s).'}
          </p>
        ) : (
          <ComposedChart
            width={width}
            height={150}
            data={rows}
            margin={{ top: 6, right: 4, bottom: 2, left: 0 }}
          >
            <CartesianGrid strokeDasharray="3 3" strokeOpacity={0.25} />
            <XAxis
              dataKey="t"
              type="number"
              domain={['dataMin', 'dataMax']}
              tickFormatter={(v: number) => formatAxisValue(v, 'time')}
              tick={{ fontSize: 11 }}
            />
            <YAxis
              yAxisId="gb"
              width={40}
              tick={{ fontSize: 11 }}
              tickFormatter={(v: number) => `${v.toFixed(0)}`}
              unit=" GB"
            />
            <YAxis yAxisId="cpu" orientation="right" width={44} tick={{ fontSize: 11 }} unit=" %" />
            <Tooltip
              isAnimationActive={false}
              contentStyle={{ background: 'var(--bg)', borderColor: 'var(--line)' }}
              labelFormatter={(v) => formatAxisValue(Number(v), 'time')}
              formatter={(value, name) => [
                name === 'CPU' ? `${Math.round(Number(value))} %` : `${Number(value).toFixed(1)} GB`,
                String(name),
              ]}
            />
            <Line
              yAxisId="gb"
              dataKey="rss"
              name="RAM"
              stroke={COLOURS.rss}
              dot={false}
              isAnimationActive={false}
            />
            {hasGpu && (
              <Line
                yAxisId="gb"
                dataKey="gpu"
                name="GPU memory"
                stroke={COLOURS.gpu}
                dot={false}
                isAnimationActive={false}
              />
            )}
            <Line
              yAxisId="cpu"
              dataKey="cpu"
              name="CPU"
              stroke={COLOURS.cpu}
              strokeDasharray="4 2"
              dot={false}
              isAnimationActive={false}
            />
          </ComposedChart>
        )}
        <figcaption className="chart-note">
          <span className="swatch" style={{ background: COLOURS.rss }} /> RAM{' '}
          {hasGpu && (
            <>
              <span className="swatch" style={{ background: COLOURS.gpu }} /> GPU memory{' '}
            </>
          )}
          <span className="swatch" style={{ background: COLOURS.cpu }} /> CPU (right axis) — last hour
        </figcaption>
      </figure>
    </section>
  );
}
