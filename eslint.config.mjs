// ESLint (flat config) for the TypeScript of the extension, the core, the service and the tests.
// Besides typescript-eslint's recommended rules it encodes the layering of DESIGN.md ("One direction
// of flow", "Layout"); CONTRIBUTING.md explains it and server/src/lint/layering.spec.ts proves it bites.
// Formatting is Prettier's job (.prettierrc.json): no formatting rule is enabled here.
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const root = path.dirname(fileURLToPath(import.meta.url));

// The core's stages, left to right: a stage imports only itself and the stages to its left.
const STAGES = ['notebook', 'analysis', 'pipeline', 'compile', 'run'];

const CORE_PURITY = 'The core (src/core) runs in the browser and in Node alike: no DOM, Node, React or JupyterLab (DESIGN.md, "Layout").';

// Packages the core must not import, whatever the file (specs included).
const coreForeignPackages = [
  { regex: '^(react|react-dom)(/|$)', message: CORE_PURITY },
  { regex: '^@(jupyterlab|jupyter|lumino|codemirror)/', message: CORE_PURITY }
];
// Node's own modules: forbidden in the core's code, allowed in its specs and fixtures (they read files, run Python).
const nodeBuiltins = {
  paths: builtinModules.filter(name => !name.startsWith('_')).map(name => ({ name, message: CORE_PURITY })),
  patterns: [{ regex: '^node:', message: CORE_PURITY }]
};

// Import zones, checked by import-x/no-restricted-paths on the resolved file of every import
// (relative or not; an import that does not resolve is not checked, tsc reports it). `target`: the
// importing files; `from`: what they must not import; `except`: inside `from`, what they may.
const zones = [
  // The core imports nothing of the JupyterLab code around it nor of the server.
  {
    target: 'src/core',
    from: 'src',
    except: ['./core'],
    message: 'The core (src/core) imports nothing from src/ outside it (DESIGN.md, "Layout").'
  },
  {
    target: 'src',
    from: 'server',
    message: 'src/ (the core and the frontend) never imports server/: the frontend reaches the service over HTTP (src/api).'
  },
  // Stage order inside the core. src/core/index.ts re-exports every stage, so only `run` may use it.
  ...STAGES.slice(0, -1).map((stage, i) => ({
    target: `src/core/${stage}`,
    from: [...STAGES.slice(i + 1).map(later => `src/core/${later}`), 'src/core/index.ts'],
    message: `Core stage order is ${STAGES.join(' → ')}: src/core/${stage} imports only ${STAGES.slice(0, i + 1).join(', ')} (DESIGN.md, "One direction of flow").`
  })),
  // Server layers: backends ← app ← (cli | service).
  {
    target: 'server/src/backends',
    from: ['server/src/app', 'server/src/cli', 'server/src/cli.ts', 'server/src/service'],
    message: 'server/src/backends implement the backend interface and import no application layer, CLI or HTTP service.'
  },
  {
    target: 'server/src/app',
    from: ['server/src/cli', 'server/src/cli.ts', 'server/src/service'],
    message: 'server/src/app (the application layer) is used by the CLI and the service, and imports neither.'
  },
  {
    target: 'server/src/cli',
    from: 'server/src/service',
    message: 'The CLI (server/src/cli) and the HTTP service (server/src/service) share code through server/src/app only.'
  },
  {
    target: 'server/src/service',
    from: ['server/src/cli', 'server/src/cli.ts'],
    message: 'The CLI (server/src/cli) and the HTTP service (server/src/service) share code through server/src/app only.'
  }
];

// Browser-only or Node-only globals the core must not use (tsc also checks the core without DOM or
// Node types, src/core/tsconfig.json, but not its specs, and ESLint says why).
const coreRestrictedGlobals = [
  'window',
  'document',
  'navigator',
  'localStorage',
  'sessionStorage',
  'process',
  'Buffer',
  'global',
  'require',
  '__dirname',
  '__filename'
].map(name => ({ name, message: CORE_PURITY }));

export default defineConfig(
  // Built, installed or written at run time (ESLint does not read .gitignore).
  {
    ignores: [
      'lib/',
      'dist/',
      '.yarn/',
      'coverage/',
      'server/dist/',
      'jupyterlab_cellpipe/labextension/',
      'jupyterlab_cellpipe/server/',
      'ui-tests/test-results/',
      '**/*.generated.ts', // generated code (each says by what), checked fresh by a spec
      'ui-tests/playwright-report/',
      '**/.venv/',
      '**/.cellpipe/',
      '**/node_modules/'
    ]
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    linterOptions: { reportUnusedDisableDirectives: 'warn' },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.d.ts', '.js', '.mjs', '.cjs', '.json'] })]
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: root, zones }],
      // Names starting with _ are deliberately unused (arguments of a fixed signature).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }
      ]
    }
  },
  // Where the code runs: the frontend in the browser; the service, CLI, scripts and configs in Node.
  { files: ['src/**'], languageOptions: { globals: { ...globals.browser } } },
  {
    files: ['server/**', 'scripts/**', 'ui-tests/**', '**/*.{js,cjs,mjs}'],
    languageOptions: { globals: { ...globals.node } }
  },
  { files: ['**/*.cjs', 'jest.config.js', 'scripts/jest-text-transform.js'], languageOptions: { sourceType: 'commonjs' } },
  {
    files: ['**/*.cjs', 'jest.config.js', 'scripts/**/*.js', 'ui-tests/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' }
  },
  // The core: no DOM, Node, React or JupyterLab.
  {
    files: ['src/core/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: nodeBuiltins.paths, patterns: [...nodeBuiltins.patterns, ...coreForeignPackages] }],
      'no-restricted-globals': ['error', ...coreRestrictedGlobals]
    }
  },
  // The core's specs and test fixtures run in Jest (Node): they may read files and start Python.
  {
    files: ['src/core/**/*.spec.ts', 'src/core/**/__fixtures__/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: coreForeignPackages }],
      'no-restricted-globals': 'off'
    }
  },
  // React components (the sidebar and the cell toolbar).
  {
    files: ['src/components/**', 'src/**/*.tsx'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'warn'
    }
  }
);
