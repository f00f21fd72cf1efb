import { startSystem, type System } from '../support/system';
import { createApplication } from '../support/fixtures';

let system: System;
beforeAll(async () => {
  system = await startSystem();
});
afterAll(async () => {
  await system?.close();
});

it('serves an application created through intake to its provider', async () => {
  const created = await createApplication(system.admin);
  const res = await system.provider().get(`/api/v3/npq-applications/${created.id}`);
  expect(res.status).toBe(200);
  expect(res.body.data.id).toBe(created.id);
});
