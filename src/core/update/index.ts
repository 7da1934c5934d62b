/**
 * The update's pure core: preflight decisions, mode choice, frame budget,
 * the in-flight window and retry decisions. The engine (src/engine) runs them
 * with a client, a store and a clock.
 * @module
 */
export * from './errors.ts';
export * from './events.ts';
export * from './frame-budget.ts';
export * from './modes.ts';
export * from './preflight.ts';
export * from './retry.ts';
export * from './in-flight.ts';
export * from './checkpoint.ts';
