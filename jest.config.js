// Two suites: `unit` (the core and the JupyterLab code, src/) and `server` (the Node service,
// backends and CLI, server/). Specs sit beside the modules they test as *.spec.ts.
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.test.json' }];
// ESM-only packages the server code imports (the CLI bundle gets them through esbuild).
const esmOnlyPackages = ['@kubernetes/client-node', 'openid-client', 'oauth4webapi', 'jose'];
// ESM-only packages JupyterLab's notebook and cell models import (the jsdom specs of src/models and src/cells).
const jupyterLabEsmPackages = [
  '@jupyterlab',
  '@jupyter',
  '@codemirror',
  '@lezer',
  '@marijn',
  '@microsoft',
  'exenv-es6',
  'nanoid',
  'vscode-ws-jsonrpc',
  'lib0',
  'yjs',
  'y-protocols'
];
const esmToCommonJs = [
  'ts-jest',
  { tsconfig: { allowJs: true, module: 'commonjs', target: 'es2022', esModuleInterop: true, isolatedModules: true } }
];

module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/src'],
      testMatch: ['**/*.spec.ts', '**/*.spec.tsx'],
      setupFiles: ['<rootDir>/src/__fixtures__/jsdomShims.ts'],
      transform: {
        '^.+\\.tsx?$': tsJest,
        '^.+\\.(py|svg|ipynb)$': '<rootDir>/scripts/jest-text-transform.js',
        '/node_modules/.+\\.m?js$': esmToCommonJs
      },
      transformIgnorePatterns: [`/node_modules/(?!(${jupyterLabEsmPackages.join('|')})/)`]
    },
    {
      displayName: 'server',
      testEnvironment: 'node',
      roots: ['<rootDir>/server/src'],
      testMatch: ['**/*.spec.ts'],
      transform: {
        '^.+\\.tsx?$': tsJest,
        '^.+\\.py$': '<rootDir>/scripts/jest-text-transform.js',
        // @kubernetes/client-node and its ESM-only dependencies, compiled to CommonJS for Jest.
        '/node_modules/.+\\.js$': esmToCommonJs
      },
      transformIgnorePatterns: [`/node_modules/(?!(${esmOnlyPackages.join('|')})/)`]
    }
  ]
};
