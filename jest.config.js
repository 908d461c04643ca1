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
  // NestJS 12 ships ES modules only; Jest on Node 20 cannot require() them, so SWC turns them into CommonJS.
  transform: { '^.+\\.(ts|js|mjs)$': ['@swc/jest', { ...swc, swcrc: false }] },
  // @kubernetes/client-node 1.x and the OIDC client it loads are ES modules only, too.
  transformIgnorePatterns: [
    '/node_modules/(?!(@nestjs|uid|load-esm|@electric-sql|jose|@kubernetes/client-node|openid-client|oauth4webapi)/)',
  ],
  moduleNameMapper,
  moduleFileExtensions: ['ts', 'js', 'json'],
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/bench'],
};

module.exports = {
  // End-to-end tests boot processes and follow reboots; Jest 30 takes the timeout from here, not per project.
  testTimeout: 120000,
  // A run ends when its last file has: a handle some test left open (a socket, a timer) must not hold the run,
  // and CI with it, until its deadline, as one did once after every file had passed or failed.
  forceExit: true,
  // Once per run, whatever projects are selected: a private database and Redis key prefix.
  globalSetup: '<rootDir>/libs/testing/jest-global-setup.js',
  globalTeardown: '<rootDir>/libs/testing/jest-global-teardown.js',
  // The end-to-end tier's lanes (`--shard`, see tools/test/e2e.js), balanced by the suites' measured durations.
  testSequencer: '<rootDir>/libs/testing/jest-e2e-sequencer.js',
  projects: [
    { ...base, displayName: 'unit', testMatch: ['**/*.spec.ts'] },
    { ...base, displayName: 'integration', testMatch: ['**/*.integration-spec.ts'] },
    { ...base, displayName: 'e2e', testMatch: ['**/*.e2e-spec.ts'] },
  ],
};
