// Epochs as people count them, from the file to the snapshot, the reason and the chart's epoch axis.

import { describe, expect, it } from 'vitest';
import { scenario, watch } from '../../../../test/support/fleet-scenario';
import { seriesFor } from '../records';

describe('epochs counted from 1 everywhere', () => {
  it('a 5-epoch Keras CSVLogger run (epochs 0–4) reads "finished at epoch 5/5", its epoch axis 1–5', async () => {
    const s = scenario();
    s.append('training_log.csv', 'epoch,loss,val_loss\n');
    s.append('training_log.csv', [0, 1, 2, 3, 4].map((e) => `${e},${1 / (e + 1)},${2 / (e + 1)}\n`).join(''));
    const cfg = s.config(
      '  - { name: keras, host: gpu, dir: $DIR, metrics: training_log.csv, totalEpochs: 5 }',
    );
    const { fleet, worker } = await watch(s, cfg);
    expect(worker()).toMatchObject({ status: 'finished', epoch: 5, totalEpochs: 5 });
    expect(worker().reason).toBe('finished at epoch 5/5');
    const series = seriesFor('keras', fleet.worker('keras')!.records, ['loss'], {
      maxPoints: 100,
      x: 'epoch',
    });
    expect(series.series[0]!.points.map((p) => p.x)).toEqual([1, 2, 3, 4, 5]);
    await fleet.stop();
  });

  it('a Lightning run at its 122nd epoch (written 121) reads 122/200; a run counting from 1 is unchanged', async () => {
    const s = scenario();
    const rows = Array.from({ length: 122 }, (_, e) => `${e},${e * 10},${1 / (e + 1)}\n`).join('');
    s.append('lightning.csv', `epoch,step,train_loss\n${rows}`);
    s.append('yolo.csv', `epoch,train/box_loss\n${[1, 2, 3].map((e) => `${e},0.${e}\n`).join('')}`);
    const cfg = s.config(
      [
        '  - { name: pl, host: gpu, dir: $DIR, metrics: lightning.csv, totalEpochs: 200 }',
        '  - { name: yolo, host: gpu, dir: $DIR, metrics: yolo.csv, totalEpochs: 300 }',
      ].join('\n'),
    );
    const { fleet, worker } = await watch(s, cfg);
    expect(worker('pl')).toMatchObject({ status: 'running', epoch: 122, totalEpochs: 200 });
    expect(worker('pl').reason).toContain('at epoch 122/200');
    expect(worker('yolo')).toMatchObject({ epoch: 3 });
    await fleet.stop();
  });
});
