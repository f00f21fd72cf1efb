const preset = require('../jest.preset.js');

module.exports = { ...preset, testMatch: ['<rootDir>/http/**/*.test.ts'] };
