/**
 * Reference data for the NPQ Lead Provider API: courses, cohorts, schedules, lead providers,
 * enumerations, schedule selection and finance seed formulas. No runtime dependencies.
 */
export * from './dates';
export * from './type-assert';
export * from './courses';
export * from './cohorts';
export * from './schedules';
export * from './lead-providers';
export * from './enums';
export * from './default-schedule';
export * from './finance-seed';
export * from './version';
