import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'build/', 'build-cmake/', 'test/.fixtures/'] },
  eslint.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-unsafe-function-type': 'off',
      'no-console': ['error', { allow: ['error'] }],
      // noUncheckedIndexedAccess makes indexed reads optional; loops that
      // stay in bounds assert it instead of re-checking.
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Command-line output is the product of these files, not logging.
    files: ['test/**', 'src/tools/**', 'src/cli.ts', 'src/cli/**', 'bench/**'],
    rules: { 'no-console': 'off' },
  },
  prettier,
);
