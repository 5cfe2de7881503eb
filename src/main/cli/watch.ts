// `vigil status --watch` (and `vigil top`): the fleet run continuously, shown as a live table redrawn in
// place in a terminal, or as one line per change when the output is a pipe or a file. It reads the hosts
// as `vigil status` does: into the data folder when it can take the folder's lock, else (the app or
// `vigil serve` holds it) into a private temporary folder, using the app's saved paces and vitals history
// read-only. q, Ctrl-C or SIGTERM stop it within a bound (a frozen host must not hold it), exit 0.

import type { FleetSnapshot } from '../../shared/model';
import { openFleet } from '../engine/fleet';
import { openCliDataFolder } from './data-folder';
import { changeLines, renderFrame } from './watch-frame';
import { openScreen, type Screen } from './watch-term';

export interface WatchOptions {
  configPath: string;
}

export interface WatchDeps {
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  env?: NodeJS.ProcessEnv;
  /** Resolves when the process is asked to stop (default: the first SIGINT or SIGTERM). */
  stopSignal?: Promise<unknown>;
  forceExit?: (code: number) => void;
  stopTimeoutMs?: number;
}

/** Colour only for a person at a terminal who has not asked for none (https://no-color.org). */
export function colourWanted(stdout: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return stdout.isTTY === true && !env.NO_COLOR;
}

export async function runWatch(
  opts: WatchOptions,
  err: (s: string) => void,
  deps: WatchDeps = {},
): Promise<number> {
  const stdout = deps.stdout ?? process.stdout;
  const stdin = deps.stdin ?? process.stdin;
  const forceExit = deps.forceExit ?? ((code: number) => process.exit(code));
  const folder = await openCliDataFolder('watch', err);
  const signals = deps.stopSignal ? null : watchSignals();
  let screen: Screen | null = null;
  try {
    const { fleet } = await openFleet({ configPath: opts.configPath, ...folder.fleet });
    let quit: () => void = () => {};
    const quitKey = new Promise<void>((resolve) => {
      quit = resolve;
    });
    let latest: FleetSnapshot = fleet.snapshot();
    let ticker: NodeJS.Timeout | null = null;
    if (stdout.isTTY) {
      const s = openScreen(stdout, stdin);
      screen = s;
      const colour = colourWanted(stdout, deps.env ?? process.env);
      const draw = () => s.draw(renderFrame(latest, { ...s.size(), color: colour, now: Date.now() }));
      s.onQuit(quit);
      s.onResize(draw);
      fleet.onSnapshot((snap) => {
        latest = snap;
        draw();
      });
      // Ages move on between evaluations too (and a host that never answers sends none).
      ticker = setInterval(draw, 1000);
      draw();
    } else {
      let prev: FleetSnapshot | null = null;
      const print = (snap: FleetSnapshot) => {
        for (const line of changeLines(prev, snap)) stdout.write(`${line}\n`);
        prev = snap;
      };
      print(latest);
      fleet.onSnapshot(print);
    }
    fleet.start();
    await Promise.race([quitKey, deps.stopSignal ?? signals!.first]);
    if (ticker) clearInterval(ticker);
    screen?.restore(); // the terminal first: whatever the stop takes, the user has their prompt back

    const deadline = setTimeout(() => {
      err('vigil: did not stop in time; exiting');
      forceExit(0);
    }, deps.stopTimeoutMs ?? 5000);
    deadline.unref();
    void signals?.second.then(() => forceExit(130));
    await fleet.stop();
    clearTimeout(deadline);
    // Stopped: a connection attempt still winding down (a host that never answered) must not keep the
    // process alive. The timer itself does not hold the process.
    setTimeout(() => forceExit(0), 2000).unref();
    return 0;
  } finally {
    screen?.restore();
    signals?.dispose();
    await folder.release();
  }
}

/** The first and the second SIGINT/SIGTERM, as promises (a second one ends a stop that hangs). */
function watchSignals(): { first: Promise<string>; second: Promise<string>; dispose(): void } {
  let count = 0;
  let first: (s: string) => void = () => {};
  let second: (s: string) => void = () => {};
  const p1 = new Promise<string>((r) => {
    first = r;
  });
  const p2 = new Promise<string>((r) => {
    second = r;
  });
  const on = (s: string) => {
    count++;
    (count === 1 ? first : second)(s);
  };
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
  return {
    first: p1,
    second: p2,
    dispose() {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
    },
  };
}
