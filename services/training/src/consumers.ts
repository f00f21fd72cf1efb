import type { EventHandlers } from '@npq/service-kit';

/** Events training applies to its own projections. */
export const trainingHandlers: EventHandlers = {};
