/** Names shared by the raw baseline's driver side (raw-baseline.ts) and its worker process (raw-worker.ts). */
export const RAW = {
  workStream: 'BENCH_WORK',
  doneStream: 'BENCH_DONE',
  workPrefix: 'bench.work.',
  donePrefix: 'bench.done.',
  durable: 'raw-worker',
  inFlight: 64,
} as const;
