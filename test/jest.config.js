const preset = require('../jest.preset.js');

// The fuzz slice (fuzz/fuzz.test.ts) is part of the suite: a bounded, seeded 2,000 requests per property.
module.exports = { ...preset, testMatch: ['<rootDir>/http/**/*.test.ts', '<rootDir>/fuzz/**/*.test.ts'] };
