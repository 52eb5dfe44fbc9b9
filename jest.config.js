// Two suites: `unit` (the core and the JupyterLab code, src/) and `server` (the Node service,
// backends and CLI, server/). Specs sit beside the modules they test as *.spec.ts.
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.test.json' }];
// ESM-only packages the server code imports (the CLI bundle gets them through esbuild).
const esmOnlyPackages = ['@kubernetes/client-node', 'openid-client', 'oauth4webapi', 'jose'];
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
      transform: { '^.+\\.tsx?$': tsJest, '^.+\\.py$': '<rootDir>/scripts/jest-text-transform.js' }
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
