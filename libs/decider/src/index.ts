export * from './decider';
export * from './run-slot';
export * from './publish';
export * from './leases';
export * from './snapshots';
export * from './artifact-io';
export * from './runner';
export * from './replay';
