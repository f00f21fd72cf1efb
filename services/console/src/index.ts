export { buildConsole, type ConsoleOptions } from './app';
export { consoleLoggerOptions, createConsoleLogger } from './logger';
export { paymentsChart, progressOf } from './statements/chart';
export { SessionKeys } from './session/keys';
