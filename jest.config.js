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

module.exports = {
  // Once per run, whatever projects are selected: a private database and Redis key prefix.
  globalSetup: '<rootDir>/libs/testing/jest-global-setup.js',
  globalTeardown: '<rootDir>/libs/testing/jest-global-teardown.js',
  projects: [
    { ...base, displayName: 'unit', testMatch: ['**/*.spec.ts'] },
    { ...base, displayName: 'integration', testMatch: ['**/*.integration-spec.ts'] },
    { ...base, displayName: 'e2e', testMatch: ['**/*.e2e-spec.ts'], testTimeout: 120000 },
  ],
};
