#!/usr/bin/env node
// A fake training script for Vigil's integration tests. Plain JS so `node fake-trainer.mjs …` runs it
// anywhere, including on the "remote" side of the test sshd. It writes real metric formats at a chosen
// pace, one complete line per write (so a reader only sees a partial line if a test makes one), and
// reacts to signals the way a crashing or finishing training run would look from outside:
//   SIGUSR1 → crash: Python traceback (CUDA OOM) appended to the log, exit 1
//   SIGUSR2 → finish now: all remaining epochs at once, "Training complete", exit 0
//   SIGTERM → exit 143 quietly
// The pid file is written at start and left in place at exit, like real scripts do.
import { appendFileSync, mkdirSync, openSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

const DEFAULT_METRICS = { jsonl: 'metrics.jsonl', csv: 'metrics.csv', text: 'train.txt' };

function fail(message) {
  process.stderr.write(
    `fake-trainer: ${message}\nusage: fake-trainer.mjs --dir D --format jsonl|csv|text --epochs N --interval-ms M ` +
      '[--steps-per-epoch 100] [--metrics NAME] [--log train.log] [--pid train.pid] [--tag TAG] ' +
      '[--start-loss 2.5] [--start-epoch 1]\n',
  );
  process.exit(2);
}

function positive(name, raw, fallback, min = 1) {
  if (raw === undefined) {
    if (fallback === undefined) fail(`--${name} is required`);
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) fail(`--${name} must be a number >= ${min}, got ${raw}`);
  return value;
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      dir: { type: 'string' },
      format: { type: 'string' },
      epochs: { type: 'string' },
      'interval-ms': { type: 'string' },
      'steps-per-epoch': { type: 'string' },
      metrics: { type: 'string' },
      log: { type: 'string' },
      pid: { type: 'string' },
      tag: { type: 'string' },
      'start-loss': { type: 'string' },
      'start-epoch': { type: 'string' },
    },
  }).values;
} catch (err) {
  fail(err.message);
}

const dir = parsed.dir ?? fail('--dir is required');
const format = parsed.format ?? fail('--format is required');
if (!(format in DEFAULT_METRICS)) fail(`--format must be jsonl, csv or text, got ${format}`);
const epochs = positive('epochs', parsed.epochs);
const intervalMs = positive('interval-ms', parsed['interval-ms'], undefined, 0);
const stepsPerEpoch = positive('steps-per-epoch', parsed['steps-per-epoch'], 100);
const startLoss = positive('start-loss', parsed['start-loss'], 2.5, 0);
const startEpoch = positive('start-epoch', parsed['start-epoch'], 1);
const tag = parsed.tag ?? 'untagged';

mkdirSync(dir, { recursive: true });
const metricsPath = resolve(dir, parsed.metrics ?? DEFAULT_METRICS[format]);
const logPath = resolve(dir, parsed.log ?? 'train.log');
const pidPath = resolve(dir, parsed.pid ?? 'train.pid');

function stamp() {
  return `[${new Date().toISOString()}]`;
}

function log(line) {
  appendFileSync(logPath, `${line}\n`);
}

function round(x, digits) {
  return Number(x.toFixed(digits));
}

// Deterministic curves so tests can predict every value from the epoch alone.
function valuesFor(epoch) {
  const loss = startLoss * 0.9 ** (epoch - 1);
  return {
    epoch,
    step: epoch * stepsPerEpoch,
    loss: round(loss, 6),
    val_loss: round(loss * 1.1 + 0.05, 6),
    lr: round(0.001 * 0.95 ** (epoch - 1), 8),
  };
}

function formatRecord(v) {
  switch (format) {
    case 'jsonl':
      return `${JSON.stringify({ ...v, time: Date.now() / 1000 })}\n`;
    case 'csv':
      return `${v.epoch},${v.step},${v.loss},${v.val_loss},${v.lr}\n`;
    default:
      return `Epoch ${v.epoch}/${epochs} - step ${v.step} - loss: ${v.loss.toFixed(4)} - val_loss: ${v.val_loss.toFixed(4)}\n`;
  }
}

// Opened in append mode so a resumed run (--start-epoch) continues the same file, as real scripts do.
const metricsFd = openSync(metricsPath, 'a');
if (format === 'csv' && statSync(metricsPath).size === 0)
  writeSync(metricsFd, 'epoch,step,loss,val_loss,lr\n');

let epoch = startEpoch;
let timer;

function writeEpoch() {
  const v = valuesFor(epoch);
  writeSync(metricsFd, formatRecord(v));
  log(`${stamp()} Epoch ${epoch}/${epochs} loss ${v.loss.toFixed(4)} val_loss ${v.val_loss.toFixed(4)}`);
  epoch += 1;
}

function complete() {
  log(`${stamp()} Training complete`);
  process.exit(0);
}

function tick() {
  writeEpoch();
  if (epoch > epochs) complete();
  else timer = setTimeout(tick, intervalMs);
}

process.on('SIGUSR1', () => {
  clearTimeout(timer);
  const traceback = [
    'Traceback (most recent call last):',
    '  File "/home/ubuntu/project/train.py", line 212, in <module>',
    '    main()',
    '  File "/home/ubuntu/project/train.py", line 187, in main',
    '    train_loss = train_one_epoch(model, loader, optimizer, scaler, epoch)',
    '  File "/home/ubuntu/project/train.py", line 96, in train_one_epoch',
    '    outputs = model(images)',
    '  File "/home/ubuntu/.venv/lib/python3.11/site-packages/torch/nn/modules/module.py", line 1736, in _wrapped_call_impl',
    '    return self._call_impl(*args, **kwargs)',
    '  File "/home/ubuntu/.venv/lib/python3.11/site-packages/torch/nn/modules/module.py", line 1747, in _call_impl',
    '    return forward_call(*args, **kwargs)',
    '  File "/home/ubuntu/.venv/lib/python3.11/site-packages/torchvision/models/resnet.py", line 285, in forward',
    '    return self._forward_impl(x)',
    'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of ' +
      '23.68 GiB of which 1.12 GiB is free. Including non-PyTorch memory, this process has 22.55 GiB memory in use. ' +
      'Of the allocated memory 20.91 GiB is allocated by PyTorch, and 1.17 GiB is reserved by PyTorch but unallocated. ' +
      'If reserved but unallocated memory is large try setting PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True to ' +
      'avoid fragmentation.  See documentation for Memory Management  ' +
      '(https://pytorch.org/docs/stable/notes/cuda.html#environment-variables)',
  ];
  log(traceback.join('\n'));
  process.exit(1);
});

process.on('SIGUSR2', () => {
  clearTimeout(timer);
  while (epoch <= epochs) writeEpoch();
  complete();
});

process.on('SIGTERM', () => process.exit(143));

// The pid file is the launcher's "ready" signal, so it is written only once the signal handlers are in
// place: a SIGUSR2 that arrives earlier would otherwise hit the default action and kill us silently.
writeFileSync(pidPath, `${process.pid}\n`);
log(`${stamp()} Starting run ${tag} (pid ${process.pid}): ${epochs} epochs, ${stepsPerEpoch} steps/epoch`);
log(`${stamp()} Loading dataset from /data/imagenet-subset ... done (12811 samples)`);
log(`${stamp()} Model: resnet50, 25.6M parameters, device cuda:0`);

if (epoch > epochs) complete();
else timer = setTimeout(tick, intervalMs);
