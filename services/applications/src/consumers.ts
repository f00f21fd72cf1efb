import type { EventHandlers } from '@npq/service-kit';

/** Events applications applies to its own projections (training status, live declarations: issue 3). */
export const applicationsHandlers: EventHandlers = {};
