export * from './workload';
export * from './event-script';
export * from './db';
