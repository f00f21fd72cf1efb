/**
 * Every BullMQ queue of the platform, by the service whose worker runs it (docs/architecture.md, "Processes
 * and who owns what"), without the namespace prefix (`Naming.queuePrefix`). The ops console mounts a
 * dashboard on exactly these (docs/console.md); each service keeps its own constant for the name it creates,
 * and the console's tests check they agree.
 */
export const PLATFORM_QUEUES = [
  { service: 'applications', name: 'applications-maintenance' },
  { service: 'training', name: 'training-dqt-push' },
  { service: 'training', name: 'training-dqt-sweep' },
  { service: 'training', name: 'training-maintenance' },
  { service: 'finance', name: 'finance-statement-cutoff' },
  { service: 'finance', name: 'finance-payment-run' },
  { service: 'finance', name: 'finance-maintenance' },
  { service: 'webhooks', name: 'webhooks-delivery' },
  { service: 'webhooks', name: 'webhooks-maintenance' },
] as const;

export type PlatformQueue = (typeof PLATFORM_QUEUES)[number];
