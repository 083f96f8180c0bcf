export * from './phase-file.dto';
export * from './load-phase-configs';
