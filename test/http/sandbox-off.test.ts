import { LEAD_PROVIDERS } from '@npq/contracts';
import { startSystem, type System } from '../support/system';

let system: System;

beforeAll(async () => {
  system = await startSystem({ config: { SANDBOX: false } });
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

  it('seeds no sandbox data: a provider starts with empty lists', async () => {
    const res = await system.provider(LEAD_PROVIDERS[0].id).get('/api/v3/npq-applications');
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([]);
  });
});
