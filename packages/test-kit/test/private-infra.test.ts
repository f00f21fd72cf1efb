import IORedis from 'ioredis';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Client } from 'pg';
import { startPrivateNats, startPrivatePostgres, startPrivateRedis, type PrivateServer } from '../src';

const servers: PrivateServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.destroy()));
});

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('private infrastructure', () => {
  it('Postgres: keeps committed data across a graceful stop and a crash, on the same port', async () => {
    const pg = await startPrivatePostgres();
    servers.push(pg);
    expect(pg.port).not.toBe(5432);
    await query(pg.url, 'create table kept (n int); insert into kept values (1)');
    await pg.stop();
    expect(pg.running).toBe(false);
    await expect(query(pg.url, 'select 1')).rejects.toThrow();
    await pg.start();
    await query(pg.url, 'insert into kept values (2)');
    await pg.kill();
    await pg.start();
    expect(await query(pg.url, 'select n from kept order by n')).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('Redis: comes back empty after a restart (no persistence)', async () => {
    const redisServer = await startPrivateRedis();
    servers.push(redisServer);
    expect(redisServer.port).not.toBe(6379);
    const redis = new IORedis(redisServer.url, { maxRetriesPerRequest: null });
    try {
      await redis.set('k', 'v');
      expect(await redis.get('k')).toBe('v');
      await redisServer.restart();
      // ioredis reconnects by itself; the data is gone.
      expect(await redis.get('k')).toBeNull();
    } finally {
      redis.disconnect();
    }
  });

  it('NATS: JetStream keeps its streams across a crash; clients reconnect', async () => {
    const nats = await startPrivateNats();
    servers.push(nats);
    expect(nats.port).not.toBe(4222);
    const nc: NatsConnection = await connect({
      servers: nats.url,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 50,
    });
    try {
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: 'KEPT', subjects: ['kept.>'] });
      await jetstream(nc).publish('kept.one', new TextEncoder().encode('1'));
      const reconnected = (async () => {
        for await (const s of nc.status()) if (s.type === 'reconnect') return;
      })();
      await nats.kill();
      await nats.start();
      await reconnected;
      const info = await jsm.streams.info('KEPT');
      expect(info.state.messages).toBe(1);
    } finally {
      await nc.close();
    }
  });
});
