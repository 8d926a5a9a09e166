// ESLint's flat config: the recommended rules over the browser modules in
// static/ (ES modules with Leaflet's global L) and the Node build scripts.
// Built and vendored output is not ours to lint.
import js from '@eslint/js';
import globals from 'globals';

export default [
  { ignores: ['static/vendor/', 'static/dist/', 'node_modules/', 'bin/', '.tools/', 'tmp/'] },
  js.configs.recommended,
  {
    files: ['static/**/*.js'],
    languageOptions: {
      ecmaVersion: 'latest',
      sourceType: 'module',
      globals: { ...globals.browser, L: 'readonly' },
    },
  },
  {
    files: ['scripts/**/*.mjs', 'eslint.config.js'],
    languageOptions: {
      ecmaVersion: 'latest',
      sourceType: 'module',
      globals: globals.node,
    },
  },
];
