export * from './sdk';
export * from './errors';
export * from './registry';
export * from './llm/llm-client';
export * from './llm/offline-provider';
export * from './llm/http-providers';
export * from './llm/provider-from-env';
export * from './offline/analysis';
export { OFFLINE_AGENTS } from './offline';
