import { LEAD_PROVIDERS } from '@npq/contracts';
import { INTERNAL_HEADERS } from '@npq/service-kit';
import { startSystem, type System } from '../support/system';

let system: System;

beforeAll(async () => {
  system = await startSystem({ config: { SANDBOX: false }, webhooks: true });
});

afterAll(async () => {
  await system?.close();
});

describe('sandbox off (SANDBOX=false)', () => {
  it('has no reset: 404 for the admin', async () => {
    const res = await system.admin.post('/admin/v1/sandbox/reset', {
      data: { type: 'sandbox-reset', attributes: { lead_provider_id: LEAD_PROVIDERS[0].id } },
    });
    expect(res.status).toBe(404);
  });

  it.each(['applications', 'training', 'finance'] as const)(
    '%s: no internal sandbox purge or outbox drain, even with the internal credential (404)',
    async (service) => {
      const { url } = system.services[service];
      for (const path of ['/internal/sandbox/purge', '/internal/sandbox/outbox-drain']) {
        const res = await fetch(`${url}${path}`, {
          method: 'POST',
          headers: {
            [INTERNAL_HEADERS.secret]: system.config.INTERNAL_API_SECRET,
            [INTERNAL_HEADERS.scope]: 'admin',
            'content-type': 'application/json',
          },
          body: JSON.stringify({
            data: { type: 'sandbox-purge', attributes: { lead_provider_id: LEAD_PROVIDERS[0].id } },
          }),
        });
        expect({ path, status: res.status }).toEqual({ path, status: 404 });
      }
    },
  );

  it('webhooks: no internal sandbox purge or unmute, even with the internal credential (404)', async () => {
    for (const path of ['/internal/sandbox/purge', '/internal/sandbox/unmute']) {
      const res = await fetch(`${system.webhooks!.url}${path}`, {
        method: 'POST',
        headers: {
          [INTERNAL_HEADERS.secret]: system.config.INTERNAL_API_SECRET,
          [INTERNAL_HEADERS.scope]: 'admin',
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          data: { type: 'sandbox-purge', attributes: { lead_provider_id: LEAD_PROVIDERS[0].id } },
        }),
      });
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
    }
  });

  it('seeds no sandbox data: a provider starts with empty lists', async () => {
    const res = await system.provider(LEAD_PROVIDERS[0].id).get('/api/v3/npq-applications');
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([]);
  });
});
