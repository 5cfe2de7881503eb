// The renderer's state, as small stores that each hold one concern (no god store). They are created
// per app instance, so every test starts from a clean slate.

import { createStore, type StoreApi } from 'zustand/vanilla';
import type { AlertEvent, ProgressEvent, XAxis } from '../../shared/contract';
import type { FleetSnapshot } from '../../shared/model';

export interface FleetState {
  snapshot: FleetSnapshot | null;
  /**
   * 'reconnecting' while the web UI's socket is down and being reopened, 'lost' when the wire closed
   * for good: either way the values shown may be stale.
   */
  link: 'connecting' | 'live' | 'reconnecting' | 'lost';
  /** While reconnecting: which try comes next and when (clock time). */
  retry: { attempt: number; at: number } | null;
  loadError: string | null;
}

export interface AlertsState {
  alerts: (AlertEvent & { id: number })[];
  push(alert: AlertEvent): void;
  dismiss(id: number): void;
}

export interface NavigationState {
  /** The worker whose detail is open, or null for the list. */
  selected: string | null;
  /** The worker opened last, so the list can put focus back on it. */
  lastOpened: string | null;
  /** The workers drawn together on the compare view, or null when it is not open. */
  compared: string[] | null;
  /** The workers ticked in the list for the next comparison. */
  ticked: string[];
  open(worker: string): void;
  toggleTicked(worker: string): void;
  compare(workers: string[]): void;
  /** To the list, from a worker's detail or from the compare view. */
  back(): void;
}

export interface ClockState {
  now: number;
}

export interface ChartPrefsState {
  /** Chosen metrics per worker; absent → the worker's loss metric. */
  metrics: Record<string, string[]>;
  /** The compare view's metric: '' for each run's own loss (compare-data's EACH_LOSS). */
  compareMetric: string;
  /** EMA weight 0..0.99, as TensorBoard's smoothing slider. */
  smoothing: number;
  logScale: boolean;
  x: XAxis;
  toggleMetric(worker: string, metric: string, fallback: string[]): void;
  setCompareMetric(metric: string): void;
  setSmoothing(weight: number): void;
  setLogScale(on: boolean): void;
  setX(x: XAxis): void;
}

export interface ProgressState {
  /** Latest progress of each running transfer: worker → rule (its `to`) → event. */
  byWorker: Record<string, Record<string, ProgressEvent>>;
  update(event: ProgressEvent): void;
}

export interface Stores {
  fleet: StoreApi<FleetState>;
  alerts: StoreApi<AlertsState>;
  navigation: StoreApi<NavigationState>;
  clock: StoreApi<ClockState>;
  chartPrefs: StoreApi<ChartPrefsState>;
  progress: StoreApi<ProgressState>;
}

const MAX_ALERTS = 5;

export function createStores(options: { now?: number } = {}): Stores {
  let nextAlertId = 1;
  return {
    fleet: createStore<FleetState>()(() => ({
      snapshot: null,
      link: 'connecting',
      retry: null,
      loadError: null,
    })),
    alerts: createStore<AlertsState>()((set) => ({
      alerts: [],
      push: (alert) =>
        set((s) => ({ alerts: [{ ...alert, id: nextAlertId++ }, ...s.alerts].slice(0, MAX_ALERTS) })),
      dismiss: (id) => set((s) => ({ alerts: s.alerts.filter((a) => a.id !== id) })),
    })),
    navigation: createStore<NavigationState>()((set) => ({
      selected: null,
      lastOpened: null,
      compared: null,
      ticked: [],
      open: (worker) => set({ selected: worker, lastOpened: worker, compared: null }),
      toggleTicked: (worker) =>
        set((s) => ({
          ticked: s.ticked.includes(worker) ? s.ticked.filter((w) => w !== worker) : [...s.ticked, worker],
        })),
      compare: (workers) => set({ compared: [...workers], selected: null }),
      back: () => set({ selected: null, compared: null }),
    })),
    clock: createStore<ClockState>()(() => ({ now: options.now ?? Date.now() })),
    chartPrefs: createStore<ChartPrefsState>()((set) => ({
      metrics: {},
      compareMetric: '',
      smoothing: 0.6,
      logScale: false,
      x: 'step',
      toggleMetric: (worker, metric, fallback) =>
        set((s) => {
          const current = s.metrics[worker] ?? fallback;
          const next = current.includes(metric) ? current.filter((m) => m !== metric) : [...current, metric];
          // Never leave the chart with nothing to draw.
          return { metrics: { ...s.metrics, [worker]: next.length > 0 ? next : current } };
        }),
      setCompareMetric: (compareMetric) => set({ compareMetric }),
      setSmoothing: (smoothing) => set({ smoothing }),
      setLogScale: (logScale) => set({ logScale }),
      setX: (x) => set({ x }),
    })),
    progress: createStore<ProgressState>()((set) => ({
      byWorker: {},
      update: (event) =>
        set((s) => ({
          byWorker: { ...s.byWorker, [event.worker]: { ...s.byWorker[event.worker], [event.rule]: event } },
        })),
    })),
  };
}
