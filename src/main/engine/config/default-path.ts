// Where the config lives when none is given, and the examples that error messages and the README show.
// The examples are tested to load, so what we tell users to copy always works.

import { homedir } from 'node:os';
import { join } from 'node:path';

/** VIGIL_CONFIG, else $XDG_CONFIG_HOME/vigil/config.yaml, else ~/.config/vigil/config.yaml. */
export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  if (env.VIGIL_CONFIG) return env.VIGIL_CONFIG;
  // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const xdg = env.XDG_CONFIG_HOME;
  if (xdg?.startsWith('/')) return join(xdg, 'vigil', 'config.yaml');
  return join(home, '.config', 'vigil', 'config.yaml');
}

/** The smallest useful config: printed when the config file is missing. */
export function minimalExample(): string {
  return `hosts:
  ec2: {}                          # an alias from ~/.ssh/config (or spell out hostname, user, identityFile)
workers:
  - name: I3D
    host: ec2
    dir: ~/mono_to_3d/parallel_training/worker_1
    metrics: results/metrics.jsonl
`;
}

/** A commented config for four workers on one EC2 host (the README shows this one). */
export function exampleConfig(): string {
  return `# Vigil configuration: ~/.config/vigil/config.yaml (or --config FILE, or VIGIL_CONFIG).
# Durations take a unit: 500ms, 30s, 15m, 2h, 1h30m, 1d.

# poll: 1s                         # how often connected hosts are read (default 1s)
# alerts:
#   repeatEvery: 1h                # reminder while an alert stays open (default 1h)
#   notify:                        # also relay alerts (secrets only from files or env variables)
#     - ntfy: { url: https://ntfy.sh/your-topic, tokenFile: ~/.config/vigil/ntfy-token }
#     - slack: { webhookFile: ~/.config/vigil/slack-webhook }
#       kinds: [failed, diverged, finished]

hosts:
  # An alias from ~/.ssh/config: HostName, User, Port, IdentityFile and ProxyJump come from there.
  ec2: {}
  # Or spelled out (each field overrides ~/.ssh/config):
  # ec2:
  #   hostname: 203.0.113.10
  #   user: ubuntu
  #   identityFile: ~/.ssh/ec2.pem

workers:
  - name: I3D
    host: ec2
    dir: ~/mono_to_3d/parallel_training/worker_1     # remote; other remote paths are relative to it
    metrics: results/metrics.jsonl                   # format detected from the content
    log: logs/train.log                              # tail scanned for tracebacks, CUDA OOM, Killed
    process: { pidFile: train.pid }                  # or { match: "train.py --model i3d" }
    stallAfter: 15m                                  # default: learned from the worker's own pace
    totalEpochs: 50                                  # reached + process gone = finished
    sync:
      - { from: results/, to: ~/Vigil/I3D/results/, every: 10m }

  - name: SlowFast
    host: ec2
    dir: ~/mono_to_3d/parallel_training/worker_2
    metrics: { path: results/metrics.csv, format: csv, loss: train_loss }
    log: logs/train.log
    process: { match: "train.py --model slowfast" }
    totalEpochs: 40

  - name: Transformer
    host: ec2
    dir: ~/mono_to_3d/parallel_training/worker_3
    metrics: logs/train.log                          # a text log: "Epoch 3/50 - loss: 0.41 - val_loss: 0.52"
    process: { pidFile: train.pid }
    stallAfter: 30m
    sync:
      - from: checkpoints/
        to: ~/Vigil/Transformer/checkpoints/
        every: 1h
        include: "*.pt"
        bwlimit: 20m                                 # rsync --bwlimit (KiB/s, or with a unit)
        onStall: true                                # pull at the first sign of trouble (default)

  - name: MagVIT
    host: ec2
    dir: ~/mono_to_3d/parallel_training/worker_4
    metrics:
      path: logs/train.log
      format: regex                                  # the escape hatch: a regex with named groups
      regex: 'step (?<step>\\d+): loss (?<loss>[0-9.eE+-]+|nan|inf)'
    process: { match: "train_magvit.py" }
`;
}
