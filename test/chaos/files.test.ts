// File faults on the remote: truncated, replaced, deleted; binary garbage, invalid UTF-8,
// NaN and Infinity, CRLF; a 50 MB line with no newline. Each beside a healthy worker that must stay
// right, through the real sshd, each with a visible reason and memory measured.

import {
  appendFileSync,
  existsSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusJson } from '../../src/main/engine/fleet/status-json';
import { type Sshd, startSshd } from '../support/sshd';
import { appendNoise, FAULTY, hasSize, rec, recs, retainedMb, withScene } from './files-support';
import { recordPass, rssMb } from './table';

describe('remote file faults', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('truncated: read again from the start, the old mirror kept, no record lost or doubled', async () => {
    const rss0 = rssMb();
    await withScene(sshd, { metrics: 'metrics.jsonl' }, { initial: recs(1, 10) }, async (s) => {
      await s.waitFor((w) => w.records === 10, '10 records');
      truncateSync(s.file, 0);
      appendFileSync(s.file, recs(1, 3));
      const detect = await s.waitFor((w) => w.records === 3 && w.epoch === 3, 'started over');
      const w = s.faulty();
      expect(w.reason).toMatch(/truncated/);
      expect(w.status).toBe('running');
      expect(readFileSync(w.mirror!, 'utf8')).toBe(recs(1, 3));
      expect(readFileSync(`${w.mirror!}.gen0`, 'utf8')).toBe(recs(1, 10));
      appendFileSync(s.file, rec(4));
      await s.waitFor((x) => x.records === 4, 'appends after the truncation');
      await s.checkHealthy();
      recordPass({
        fault: 'remote file truncated',
        expected: 'starts over, reason shown, old mirror kept as .gen0',
        observed: `${s.faulty().records} records after; reason "${w.reason}"`,
        detectionMs: detect,
        recoveryMs: detect,
        recordsLost: 0,
        recordsDuplicated: s.faulty().records - 4,
        rssBeforeMb: rss0,
      });
    });
  });

  it('replaced (renamed over): read again from the start, the old mirror kept', async () => {
    const rss0 = rssMb();
    await withScene(sshd, { metrics: 'metrics.jsonl' }, { initial: recs(1, 8) }, async (s) => {
      await s.waitFor((w) => w.records === 8, '8 records');
      const tmp = `${s.file}.tmp`;
      writeFileSync(tmp, recs(1, 12));
      renameSync(tmp, s.file);
      const detect = await s.waitFor((w) => w.records === 12, 'replaced file read');
      const w = s.faulty();
      expect(w.reason).toMatch(/replaced/);
      expect(readFileSync(w.mirror!)).toEqual(readFileSync(s.file));
      expect(readFileSync(`${w.mirror!}.gen0`, 'utf8')).toBe(recs(1, 8));
      await s.checkHealthy();
      recordPass({
        fault: 'remote file replaced',
        expected: 'starts over, reason shown, old mirror kept',
        observed: `12 records, reason "${w.reason}"`,
        detectionMs: detect,
        recoveryMs: detect,
        recordsLost: 0,
        recordsDuplicated: w.records - 12,
        rssBeforeMb: rss0,
      });
    });
  });

  it('deleted: an error naming the file, last values kept; recreated: read again', async () => {
    const rss0 = rssMb();
    await withScene(sshd, { metrics: 'metrics.jsonl' }, { initial: recs(1, 6) }, async (s) => {
      await s.waitFor((w) => w.records === 6, '6 records');
      rmSync(s.file);
      const detect = await s.waitFor((w) => w.status === 'error', 'error');
      const gone = s.faulty();
      expect(gone.reason).toContain(`metrics file not found: ${s.file}`);
      expect(gone.records).toBe(6); // last known values kept
      expect(gone.loss).toBeCloseTo(1 / 6);
      expect(existsSync(gone.mirror!)).toBe(true);
      await s.checkHealthy();
      writeFileSync(s.file, recs(1, 2));
      const recover = await s.waitFor((w) => w.status === 'running' && w.records === 2, 'recreated');
      expect(s.faulty().reason).toMatch(/replaced/);
      recordPass({
        fault: 'remote file deleted, then recreated',
        expected: 'error naming the file, last values kept; re-read when back',
        observed: `"${gone.reason}", ${gone.records} records kept; then running, 2 records`,
        detectionMs: detect,
        recoveryMs: recover,
        recordsLost: 0,
        recordsDuplicated: s.faulty().records - 2,
        rssBeforeMb: rss0,
      });
    });
  });

  it('binary garbage: skipped with a warning naming the line, the records around it read', async () => {
    const rss0 = rssMb();
    await withScene(sshd, { metrics: 'metrics.jsonl' }, { initial: recs(1, 3) }, async (s) => {
      await s.waitFor((w) => w.records === 3, '3 records');
      // Random bytes, but no newline among them: one garbage line, at line 4.
      const junk = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) % 256 || 1)).map((b) =>
        b === 10 ? 11 : b,
      );
      appendFileSync(s.file, Buffer.concat([junk, Buffer.from(`\n${recs(4, 6)}`)]));
      const detect = await s.waitFor((w) => w.records === 6, 'records after the garbage');
      const w = s.faulty();
      expect(w.status).toBe('running');
      expect(w.reason).toMatch(/1 line skipped.*line 4/);
      await s.checkHealthy();
      recordPass({
        fault: 'binary garbage in the metrics file',
        expected: 'line skipped with a warning naming it, records after it read',
        observed: `6/6 records; reason "${w.reason.slice(0, 90)}…"`,
        detectionMs: detect,
        recordsLost: 6 - w.records,
        recordsDuplicated: 0,
        rssBeforeMb: rss0,
      });
    });
  });

  it('a whole file of binary garbage under a name that says nothing: a reason saying no metrics are found, memory bounded', async () => {
    await withScene(sshd, { metrics: 'run.out' }, { initial: '' }, async (s) => {
      const retained0 = retainedMb();
      const rss0 = rssMb();
      // 40 MB of noise, written in pieces as a runaway process would.
      appendNoise(s.file, 12345, 40);
      const size = readFileSync(s.file).length;
      // Noise can pass for a plain-text log (the fallback format): then no record is ever found, and
      // the reason must say so rather than show a quiet "running".
      const why = /cannot tell the format of run\.out|no metrics found in \d+ KiB of run\.out/;
      const detect = await s.waitFor((w) => why.test(w.reason), 'a reason', 60_000);
      await s.waitFor(() => readFileSync(s.faulty().mirror!).length === size, 'all mirrored', 60_000);
      const w = s.faulty();
      expect(w.records).toBe(0);
      // Bounded by one read (8 MB per tick, up to 16 MB once decoded, which the regex engine's last
      // match may still point at), not by the file.
      const retained = retainedMb() - retained0;
      expect(retained).toBeLessThan(20);
      await s.checkHealthy();
      recordPass({
        fault: '40 MB of binary garbage in run.out',
        expected:
          'a reason ("no metrics found" / "cannot tell the format"), memory bounded, others untouched',
        observed: `"${w.reason.slice(0, 80)}…"; retained +${retained.toFixed(1)} MB after 40 MB`,
        detectionMs: detect,
        rssBeforeMb: rss0,
      });
    });
  });

  it('24 MB of random binary under a name that says nothing (.dat): "cannot tell the format", the undetected head bounded', async () => {
    await withScene(sshd, { metrics: 'dump.dat' }, { initial: '' }, async (s) => {
      const retained0 = retainedMb();
      const rss0 = rssMb();
      appendNoise(s.file, 987654, 24);
      const size = readFileSync(s.file).length;
      const detect = await s.waitFor((w) => w.status === 'error', 'error', 60_000);
      await s.waitFor(() => readFileSync(s.faulty().mirror!).length === size, 'all mirrored', 60_000);
      const w = s.faulty();
      expect(w.reason).toMatch(/cannot tell the format of dump\.dat/);
      const retained = retainedMb() - retained0;
      expect(retained).toBeLessThan(8);
      await s.checkHealthy();
      recordPass({
        fault: '24 MB of random binary, undetectable name (.dat)',
        expected: 'error "cannot tell the format", memory bounded, others untouched',
        observed: `"${w.reason.slice(0, 70)}…"; retained +${retained.toFixed(1)} MB after 24 MB`,
        detectionMs: detect,
        rssBeforeMb: rss0,
      });
    });
  });

  it('invalid UTF-8: read with U+FFFD in place of the bad bytes; a line it breaks is skipped with a warning', async () => {
    const rss0 = rssMb();
    await withScene(sshd, { metrics: 'metrics.jsonl' }, {}, async (s) => {
      const bytes = Buffer.concat([
        Buffer.from(rec(1)),
        Buffer.from('{"epoch":2,"step":20,"loss":0.5,"note":"'),
        Buffer.from([0xff, 0xfe, 0xc3]),
        Buffer.from('"}\n{"epoch":3,"step":30,"lo'),
        Buffer.from([0xc3]), // a truncated 2-byte sequence inside a key
        Buffer.from('ss":0.25}\n'),
        Buffer.from([0xc0, 0xaf, 0xed, 0xa0, 0x80]), // overlong '/', a lone surrogate: a broken line
        Buffer.from(`\n${rec(4)}`),
      ]);
      writeFileSync(s.file, bytes);
      const detect = await s.waitFor((w) => w.records === 4, '4 records');
      const w = s.faulty();
      expect(w.status).toBe('running');
      expect(w.epoch).toBe(4);
      expect(w.loss).toBeCloseTo(0.25);
      expect(Object.keys(w.metrics)).toContain('lo\ufffdss');
      expect(w.reason).toMatch(/1 line skipped.*line 4/);
      await s.checkHealthy();
      recordPass({
        fault: 'invalid UTF-8 in the metrics file',
        expected: 'bad bytes → U+FFFD, broken line skipped with a warning, no crash',
        observed: `4/4 records, metric "lo\ufffdss"; reason "${w.reason.slice(0, 80)}…"`,
        detectionMs: detect,
        recordsLost: 4 - w.records,
        recordsDuplicated: 0,
        rssBeforeMb: rss0,
      });
    });
  });

  it('NaN and Infinity: kept as values (a NaN loss is shown as NaN, never as a number or null)', async () => {
    const rss0 = rssMb();
    await withScene(sshd, { metrics: 'metrics.jsonl' }, {}, async (s) => {
      writeFileSync(
        s.file,
        `${rec(1)}{"epoch":2,"loss":NaN,"grad":Infinity}\n{"epoch":3,"loss":-Infinity,"lr":1e-3}\n{"epoch":4,"loss":NaN}\n`,
      );
      const detect = await s.waitFor((w) => w.records === 4, '4 records');
      const w = s.faulty();
      expect(w.loss).toBeNaN();
      expect(w.metrics.grad).toBe(Number.POSITIVE_INFINITY);
      const json = statusJson(s.fleet.snapshot()) as { workers: { name: string; loss: unknown }[] };
      expect(json.workers.find((x) => x.name === FAULTY)!.loss).toBe('NaN');
      expect(JSON.stringify(json)).toContain('"grad":"Infinity"');
      await s.checkHealthy();
      recordPass({
        fault: 'NaN and Infinity in the metrics',
        expected: 'kept as values; status --json writes "NaN"/"Infinity"',
        observed: `loss NaN, grad Infinity; JSON loss "NaN"`,
        detectionMs: detect,
        recordsLost: 4 - w.records,
        recordsDuplicated: 0,
        rssBeforeMb: rss0,
      });
    });
  });

  it('CRLF line endings (CSV): read like LF, no "\\r" in names or values', async () => {
    const rss0 = rssMb();
    await withScene(sshd, { metrics: 'metrics.csv' }, {}, async (s) => {
      writeFileSync(s.file, 'epoch,loss,val_loss\r\n1,0.9,1.0\r\n2,0.8,0.95\r\n3,nan,inf\r\n4,0.5,0.6\r\n');
      const detect = await s.waitFor((w) => w.records === 4, '4 records');
      const w = s.faulty();
      expect(w.format).toBe('csv');
      expect(Object.keys(w.metrics).sort()).toEqual(['loss', 'val_loss']);
      expect(w.loss).toBe(0.5);
      expect(w.metrics.val_loss).toBe(0.6);
      expect(w.status).toBe('running');
      await s.checkHealthy();
      recordPass({
        fault: 'CRLF line endings',
        expected: 'read like LF; nan/inf kept',
        observed: `4/4 records, metrics ${Object.keys(w.metrics).join(',')}`,
        detectionMs: detect,
        recordsLost: 4 - w.records,
        recordsDuplicated: 0,
        rssBeforeMb: rss0,
      });
    });
  });

  it('a 50 MB line with no newline: memory bounded, a warning naming the line, the records after it read', async () => {
    await withScene(sshd, { metrics: 'metrics.jsonl' }, { initial: recs(1, 5) }, async (s) => {
      await s.waitFor((w) => w.records === 5, '5 records');
      const retained0 = retainedMb();
      const rss0 = rssMb();
      let peakRss = rss0;
      const sampler = setInterval(() => {
        peakRss = Math.max(peakRss, rssMb());
      }, 25);
      const t0 = Date.now();
      const mb = Buffer.alloc(1 << 20, 'x');
      for (let i = 0; i < 50; i++)
        appendFileSync(s.file, i === 0 ? Buffer.concat([Buffer.from('{"epoch":'), mb]) : mb);
      const size = readFileSync(s.file).length;
      // The engine has mirrored it all while the line is still open.
      await s.waitFor(
        hasSize(() => s.faulty().mirror!, size),
        '50 MB mirrored',
        60_000,
      );
      const retainedPending = retainedMb();
      appendFileSync(s.file, `\n${recs(6, 8)}`);
      await s.waitFor((w) => w.records === 8, 'records after the long line', 30_000);
      clearInterval(sampler);
      const detect = Date.now() - t0;
      const w = s.faulty();
      const retainedAfter = retainedMb();
      expect(w.reason).toMatch(/1 line skipped.*line 6.*longer than/);
      expect(w.epoch).toBe(8);
      // The pending line is capped: what stays held while it is open is not the line.
      expect(retainedPending - retained0).toBeLessThan(16);
      expect(retainedAfter - retained0).toBeLessThan(16);
      expect(readFileSync(w.mirror!).equals(readFileSync(s.file))).toBe(true);
      await s.checkHealthy();
      recordPass({
        fault: '50 MB line with no newline',
        expected: 'memory bounded (pending line capped), warning names the line, records after it read',
        observed: `retained +${(retainedPending - retained0).toFixed(1)} MB while open, peak RSS ${peakRss} MB; 8/8 records; "${w.reason.slice(0, 70)}…"`,
        detectionMs: detect,
        recordsLost: 8 - w.records,
        recordsDuplicated: 0,
        rssBeforeMb: rss0,
      });
    });
  });
  it('a 50 MB line with no newline in the log file: memory bounded, the log tail shown to the UI stays small', async () => {
    await withScene(
      sshd,
      { metrics: 'metrics.jsonl', log: 'train.log' },
      { initial: recs(1, 3) },
      async (s) => {
        const log = `${s.dir}/train.log`;
        writeFileSync(log, 'epoch 1 done\n');
        await s.waitFor((w) => w.records === 3 && w.logTail.includes('epoch 1 done'), 'log read');
        const retained0 = retainedMb();
        const rss0 = rssMb();
        const t0 = Date.now();
        const mb = Buffer.alloc(1 << 20, 'y');
        for (let i = 0; i < 50; i++) appendFileSync(log, mb);
        const size = readFileSync(log).length;
        const logMirror = `${path.dirname(s.faulty().mirror!)}/train.log`;
        await s.waitFor(
          hasSize(() => logMirror, size),
          '50 MB of log mirrored',
          60_000,
        );
        const whileOpen = retainedMb() - retained0;
        const tailOpen = JSON.stringify(s.faulty().logTail).length;
        appendFileSync(log, '\nTraceback (most recent call last):\nRuntimeError: CUDA out of memory\n');
        await s.waitFor(
          (w) => w.logTail.some((l) => l.includes('CUDA out of memory')),
          'log after the line',
          30_000,
        );
        const detect = Date.now() - t0;
        const w = s.faulty();
        const tail = JSON.stringify(w.logTail).length;
        const after = retainedMb() - retained0;
        expect(whileOpen).toBeLessThan(16);
        expect(after).toBeLessThan(16);
        // What reaches the renderer is a tail, not 50 MB.
        expect(tailOpen).toBeLessThan(64 * 1024);
        expect(tail).toBeLessThan(64 * 1024);
        expect(JSON.stringify(s.fleet.snapshot()).length).toBeLessThan(256 * 1024);
        await s.checkHealthy();
        recordPass({
          fault: '50 MB line with no newline in the log file',
          expected: 'memory bounded; the log tail sent to the UI stays small; lines after it read',
          observed: `retained +${whileOpen.toFixed(1)} MB while open, +${after.toFixed(1)} MB after; log tail ${tail} B; OOM line seen`,
          detectionMs: detect,
          rssBeforeMb: rss0,
        });
      },
    );
  });
});
