/**
 * The field update log's pure core: entries and their schema, the hash
 * chain and its verification, filtering, CSV and JSON export, the store
 * interface and the sync protocol's decisions. Storage is in src/store,
 * sending in src/app/log-sync.ts.
 * @module
 */
export * from './entry.ts';
export * from './errors.ts';
export * from './canonical.ts';
export * from './chain.ts';
export * from './verify.ts';
export * from './filter.ts';
export * from './csv.ts';
export * from './json-export.ts';
export * from './store.ts';
export * from './sync-protocol.ts';
