import type { EventHandlers } from '@npq/service-kit';

/** Events finance applies to its own projections. */
export const financeHandlers: EventHandlers = {};
