import { connectMessaging, deleteStream, Naming, type Messaging } from '@npq/service-kit';
import { uniqueSuffix } from './database';

export const TEST_NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A namespace no other test file shares: its own stream, subjects, durables and queue prefix. */
export function testNamespace(): string {
  return `t_${uniqueSuffix()}`;
}

export interface TestMessaging extends Messaging {
  close(): Promise<void>;
}

export async function createTestMessaging(
  namespace = testNamespace(),
  name = 'test',
): Promise<TestMessaging> {
  const naming = new Naming(namespace);
  const messaging = await connectMessaging(TEST_NATS_URL, naming, name);
  return {
    ...messaging,
    close: async () => {
      await deleteStream(messaging.jsm, naming);
      await messaging.nc.drain();
    },
  };
}
