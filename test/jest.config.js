const preset = require('../jest.preset.js');

// The fuzz slice (fuzz/fuzz.test.ts) is part of the suite: a bounded, seeded 2,000 requests per property.
// The ops console's browser tests (console/*.test.ts) drive Debian's Chromium through playwright-core.
module.exports = {
  ...preset,
  testMatch: ['<rootDir>/http/**/*.test.ts', '<rootDir>/fuzz/**/*.test.ts', '<rootDir>/console/**/*.test.ts'],
};
