// Two suites: `unit` (the core and the JupyterLab code, src/) and `server` (the Node service,
// backends and CLI, server/). Specs sit beside the modules they test as *.spec.ts.
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.test.json' }];

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
      transform: { '^.+\\.tsx?$': tsJest, '^.+\\.py$': '<rootDir>/scripts/jest-text-transform.js' }
    }
  ]
};
