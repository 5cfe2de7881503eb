// The engine reaches time through this port (defined in src/shared/clock.ts, where the shells and the
// renderer use it too), so tests drive it with a fake clock instead of sleeping.

export { type Clock, every, sleep, systemClock, type TimerHandle } from '../../shared/clock';
