// The engine assembled: hosts and workers polled on beats, the service the shells drive, and the one
// function that builds a Fleet from a config (the composition root).

export { assembleFleet, type FleetPorts, type OpenFleetOptions, openFleet } from './open-fleet';
export { prometheusText } from './prometheus';
export { EngineService } from './service';
export { statusJson } from './status-json';
