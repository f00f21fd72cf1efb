const path = require('node:path');

// Tests run TypeScript sources directly (no build step): @swc/jest transpiles, and workspace packages
// resolve to their src/. A few small ESM-only dependencies are transpiled to CommonJS; the ESM-only MikroORM 7
// is loaded natively through require(esm), which Jest supports on Node 24 with --experimental-vm-modules
// (every package's `test` script sets it).
const esmOnly = ['cookie', 'set-cookie-parser', 'content-disposition'];

module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts', '<rootDir>/src/**/*.test.ts'],
  transform: {
    '^.+\\.(t|j)sx?$': [
      '@swc/jest',
      { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(\\.pnpm/)?(${esmOnly.join('|')})[@/])`],
  moduleNameMapper: {
    '^@npq/(gateway|applications|training|finance|webhooks|console)$': path.join(
      __dirname,
      'services/$1/src',
    ),
    // The client package's directory (packages/client) differs from its published name.
    '^@npq/lead-provider-client$': path.join(__dirname, 'packages/client/src'),
    '^@npq/([a-z-]+)$': path.join(__dirname, 'packages/$1/src'),
    '^@npq/([a-z-]+)/(.*)$': path.join(__dirname, 'packages/$1/src/$2'),
  },
  testTimeout: 30000,
  maxWorkers: 2,
};
