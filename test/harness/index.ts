export * from './infra';
export * from './use-test-infra';
