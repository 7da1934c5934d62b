// Lint rules, including the layer rules of ../shared/DESIGN.md: imports point
// down only (ui → app → engine → client → transport, core at the bottom, store
// and sim beside), no import cycles, and a core that touches no host API.
import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const below = (...layers) => layers.map((l) => `./${l}`);

/** For each layer: the layers it must not import from (everything not listed in DESIGN.md). */
const zones = [
  {
    target: './src/core',
    from: './src',
    except: below('core'),
    message: 'core/ is pure: it imports nothing above it',
  },
  { target: './src/transport', from: './src', except: below('core', 'transport') },
  { target: './src/client', from: './src', except: below('core', 'transport', 'client') },
  { target: './src/store', from: './src', except: below('core', 'store') },
  { target: './src/sim', from: './src', except: below('core', 'sim') },
  {
    target: './src/engine',
    from: './src',
    except: below('core', 'transport', 'client', 'store', 'engine'),
  },
  { target: './src/app', from: ['./src/ui', './src/cli'] },
  {
    target: './src/ui',
    from: [
      './src/cli',
      './src/engine',
      './src/client',
      './src/transport',
      './src/store',
      './src/sim',
    ],
  },
  { target: './src/cli', from: ['./src/ui', './src/app'] },
].map((z) => ({ message: 'imports must point down the layers of DESIGN.md', ...z }));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        project: ['./src/core/tsconfig.json', './tsconfig.json', './tsconfig.node.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [
        createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.mjs'] }),
      ],
      // So that no-cycle follows imports into TypeScript files.
      'import-x/extensions': ['.ts', '.tsx', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
    },
    rules: {
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': ['error', { zones }],
      'import-x/no-self-import': 'error',
      'import-x/no-duplicates': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/max-params': ['error', { max: 4 }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
    },
  },
  {
    files: ['src/core/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'preact', 'preact/*', 'idb-keyval'],
              message: 'core/ must not use host APIs or UI',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        ...[
          'navigator',
          'window',
          'document',
          'localStorage',
          'indexedDB',
          'fetch',
          'crypto',
          'process',
          'setTimeout',
          'setInterval',
          'performance',
        ].map((name) => ({ name, message: 'core/ is pure: host APIs are passed in (DESIGN.md)' })),
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'core/ takes time from a clock passed in' },
        {
          object: 'Math',
          property: 'random',
          message: 'core/ takes randomness from a source passed in',
        },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['test/**'],
    rules: {
      // Tests pass async callbacks and build fixtures freely; the type checker still runs on them.
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/max-params': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { ...globals.node } },
  },
);
