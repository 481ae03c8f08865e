// ESLint: the recommended JavaScript and TypeScript rules over the library, the specs, the
// perf harness and the scripts (`npm run lint`, part of `npm test`). Type-aware rules are
// not enabled: they would type-check the project a second time on every run.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'build/', 'node_modules/', 'perf/results/', '.device/', 'coverage/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      // A body's or callback's parameters are often there for their position: `_name` marks one unused on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // The runtime smoke suite runs on Bun and Deno too, and checks CommonJS users' require().
    files: ['smoke/**', 'perf/repro/matmul-runtimes.mjs'],
    languageOptions: { globals: { ...globals.node, Bun: 'readonly', Deno: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
