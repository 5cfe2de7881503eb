// The engine's warnings, into the app's log: every alert (a run stalled, failed, a host went silent),
// a config that does not load (once per change) and each sync that failed or warned. The engine emits
// them as contract events; the shell writes them down, so "Open logs" shows what happened overnight.

import type { AlertEvent, ContractBackend, ProgressEvent, Unsubscribe } from '../../shared/contract';
import type { FleetSnapshot } from '../../shared/model';
import type { Log } from './log-file';

const GOOD_NEWS = new Set(['finished', 'recovered']);

export function logEngineEvents(backend: Pick<ContractBackend, 'subscribe'>, log: Log): Unsubscribe {
  let configError: string | null = null;
  return backend.subscribe((event, payload) => {
    if (event === 'alert') {
      const a = payload as AlertEvent;
      const who = a.workers && a.workers.length > 1 ? a.workers.join(', ') : a.worker;
      (GOOD_NEWS.has(a.kind) ? log.info : log.warn)(`alert ${a.kind}: ${who}: ${a.message}`);
    } else if (event === 'snapshot') {
      const s = payload as FleetSnapshot;
      if (s.configError === configError) return;
      if (s.configError) log.error(`config: ${s.configError}`);
      else log.info('config: loaded');
      configError = s.configError;
    } else if (event === 'progress') {
      const p = payload as ProgressEvent;
      if (p.phase === 'error' || p.phase === 'warning')
        log.warn(`sync ${p.phase}: ${p.worker} → ${p.rule}: ${p.message}`);
    }
  });
}
