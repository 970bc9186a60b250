// Lint: a small, type-aware rule set about promises (a promise nobody awaits hides failures and
// outlives the work it belongs to). Formatting and style are not linted here. `npm run lint`; npm test runs it.
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['node_modules/**', 'coverage/**', 'dist/**'] }, // dist/ is tsc's output of src/, linted as source
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    // Two files carry disable comments for a rule this small set does not enable (no-explicit-any).
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    rules: {
      // Fire-and-forget must be written as `void promise` (and then handle its rejection itself).
      // node:test's test()/describe()/it() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] },
          ],
        },
      ],
      // No promise where a boolean or a void callback is expected (if (promise), emitter.on('x', async …)).
      '@typescript-eslint/no-misused-promises': 'error',
      // await-thenable is left off: it also rejects Promise.all over a mix of promises and undefined.
    },
  },
)
