/**
 * Tests are named by kind (STYLE E8): `*.unit.spec.ts` (pure, no server), `*.int.spec.ts` beside code
 * that needs a real server, `test/e2e/*.e2e.spec.ts` for whole-system runs (every service a process).
 * `npm run test:unit` / `test:int` / `test:e2e` select one kind; `npm test` runs them all.
 */
const shared = {
  testEnvironment: 'node',
  testTimeout: 60000,
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  moduleNameMapper: { '^@ideamine/([^/]+)/testing$': '<rootDir>/libs/$1/src/testing', '^@ideamine/(.*)$': '<rootDir>/libs/$1/src' },
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test', '<rootDir>/migrations', '<rootDir>/bench'],
};

module.exports = {
  testTimeout: 60000,
  maxWorkers: 2,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['**/*.unit.spec.ts'] },
    { ...shared, displayName: 'int', testMatch: ['**/*.int.spec.ts'] },
    { ...shared, displayName: 'e2e', testMatch: ['**/*.e2e.spec.ts'] },
  ],
};
