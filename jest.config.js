/** Unit specs live beside the code; integration and e2e suites live in test/. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test', '<rootDir>/migrations', '<rootDir>/bench'],
  testMatch: ['**/*.spec.ts', '**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  moduleNameMapper: { '^@ideamine/([^/]+)/testing$': '<rootDir>/libs/$1/src/testing', '^@ideamine/(.*)$': '<rootDir>/libs/$1/src' },
  testTimeout: 60000,
  maxWorkers: 2,
};
