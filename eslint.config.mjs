import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/** The base: no domain knowledge, used by every layer above. */
const BASE = ['scope:shared', 'scope:observability', 'scope:redis'];
const DOMAIN = ['scope:access', 'scope:jobs', 'scope:node-registry'];

/** Which scopes each scope may import: libs only from layers below them, apps only what they use. */
const layers = Object.entries({
  'scope:shared': [],
  'scope:observability': ['scope:shared'],
  'scope:redis': ['scope:shared'],
  'scope:openstack': BASE,
  'scope:persistence': BASE,
  'scope:audit': [...BASE, 'scope:persistence'],
  'scope:access': [...BASE, 'scope:persistence', 'scope:audit'],
  'scope:jobs': [...BASE, 'scope:persistence', 'scope:audit'],
  'scope:node-registry': [...BASE, 'scope:persistence', 'scope:audit', 'scope:openstack'],
  'scope:webhooks': [...BASE, 'scope:persistence', 'scope:audit', 'scope:node-registry'],
  // Each cluster's own Kubernetes API: its connection settings and token live in the node registry.
  'scope:cluster-api': [...BASE, 'scope:persistence', 'scope:node-registry'],
  // The simulator lib, and the app that serves it.
  'scope:openstack-sim': [...BASE, 'scope:openstack', 'scope:openstack-sim'],
  'scope:testing': [...BASE, 'scope:persistence'],
  'scope:gateway': [...BASE, 'scope:persistence', 'scope:audit', 'scope:openstack', ...DOMAIN, 'scope:cluster-api'],
  'scope:worker': [
    ...BASE,
    'scope:persistence',
    'scope:audit',
    'scope:openstack',
    'scope:jobs',
    'scope:node-registry',
    'scope:webhooks',
    'scope:cluster-api',
  ],
  'scope:admin': [
    ...BASE,
    'scope:persistence',
    'scope:audit',
    'scope:access',
    'scope:jobs',
    'scope:node-registry',
    'scope:webhooks',
    'scope:cluster-api',
  ],
  // The customers' CLI is a package of its own (npm pack): it imports nothing of the monorepo.
  'scope:cli': [],
  'scope:demo': [
    ...BASE,
    'scope:persistence',
    'scope:audit',
    ...DOMAIN,
    'scope:cluster-api',
    'scope:openstack-sim',
    'scope:testing',
  ],
}).map(([sourceTag, allowed]) => ({ sourceTag, onlyDependOnLibsWithTags: allowed }));

export default [
  {
    ignores: ['node_modules/**', 'dist/**', 'tmp/**', '.data/**', '.nx/**', 'bench/results/**', '**/*.js', '**/*.mjs'],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      // Apps never import apps; libs never import apps; nothing deep-imports a lib (only its index); and each
      // scope imports only the layers below it (see docs/architecture.md): base → persistence → audit → domain → apps.
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:test-util', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:lib', 'type:test-util'] },
            // The one-command demo is a developer's tool, never deployed: it may borrow test utilities.
            { sourceTag: 'type:dev-tool', onlyDependOnLibsWithTags: ['type:lib', 'type:test-util'] },
            ...layers,
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read the environment only in a config file (*.config.ts).' },
      ],
    },
  },
  {
    // Config files, test harness and tests may read the environment.
    files: [
      '**/*.config.ts',
      'libs/testing/**/*.ts',
      '**/*.spec.ts',
      '**/*.integration-spec.ts',
      '**/*.e2e-spec.ts',
      'bench/**/*.ts',
    ],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // Tests and their runners may reach into test utilities; unit specs beside lib code may use the testing lib too.
    files: ['**/*.spec.ts', '**/*.integration-spec.ts', '**/*.e2e-spec.ts', '**/*.runner.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          depConstraints: [{ sourceTag: '*', onlyDependOnLibsWithTags: ['type:lib', 'type:test-util'] }],
        },
      ],
    },
  },
  prettier,
];
