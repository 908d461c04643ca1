// Three tiers (see CONVENTIONS.md): unit specs beside the code, integration specs against real
// Postgres and Redis, end-to-end specs that boot the processes and speak HTTP.
const { readFileSync } = require('node:fs');

const swc = JSON.parse(readFileSync(`${__dirname}/.swcrc`, 'utf8'));
const paths = require('./tsconfig.base.json').compilerOptions.paths;

const moduleNameMapper = Object.fromEntries(
  Object.entries(paths).map(([alias, [target]]) => [`^${alias}$`, `<rootDir>/${target}`]),
);

const base = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swc, swcrc: false }] },
  moduleNameMapper,
  moduleFileExtensions: ['ts', 'js', 'json'],
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/bench'],
};

const withServices = {
  globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
  globalTeardown: '<rootDir>/libs/testing/src/global-teardown.ts',
};

module.exports = {
  projects: [
    { ...base, displayName: 'unit', testMatch: ['**/*.spec.ts'] },
    { ...base, ...withServices, displayName: 'integration', testMatch: ['**/*.integration-spec.ts'] },
    { ...base, ...withServices, displayName: 'e2e', testMatch: ['**/*.e2e-spec.ts'], testTimeout: 120000 },
  ],
};
