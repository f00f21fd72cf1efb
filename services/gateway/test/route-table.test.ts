import { loadOpenApiDocument } from '@npq/contracts';
import { buildRouteTable, ownerOf, scopeOf } from '../src/proxy/route-table';

describe('gateway route table', () => {
  it('routes every operation of the OpenAPI document to an owner with a scope', () => {
    const doc = loadOpenApiDocument();
    const table = buildRouteTable();
    let operations = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of Object.keys(item).filter((m) =>
        ['get', 'post', 'put', 'patch', 'delete'].includes(m),
      )) {
        operations++;
        expect(table).toContainEqual(expect.objectContaining({ method: method.toUpperCase(), path }));
      }
    }
    expect(table).toHaveLength(operations);
    // 23 v3 routes of DfE's, this platform's webhook routes, the teacher record service pull, and the admin API.
    const webhooks = (path: string) => path.startsWith('/api/v3/webhook-subscriptions');
    expect(table.filter((r) => r.path.startsWith('/api/v3/') && !webhooks(r.path))).toHaveLength(23);
    expect(table.filter((r) => webhooks(r.path))).toHaveLength(9);
  });

  it.each([
    ['/api/v3/npq-applications/{id}/accept', 'applications', 'lead_provider'],
    ['/api/v3/participants/npq/outcomes', 'training', 'lead_provider'],
    ['/api/v3/participant-declarations', 'finance', 'lead_provider'],
    ['/api/v3/statements/{id}', 'finance', 'lead_provider'],
    ['/api/v3/delivery-partners/{id}', 'finance', 'lead_provider'],
    ['/api/teacher-record-service/v1/qualifications/{trn}', 'training', 'teacher_record_service'],
    ['/api/teaching-record-system/v1/qualifications/{trn}', 'training', 'teacher_record_service'],
    ['/admin/v1/api-tokens', 'gateway', 'admin'],
    ['/admin/v1/api-tokens/{id}', 'gateway', 'admin'],
    ['/admin/v1/participants/{id}/merge', 'applications', 'admin'],
    ['/admin/v1/outcome-deliveries', 'training', 'admin'],
    ['/admin/v1/finance/statement-cutoffs', 'finance', 'admin'],
    ['/api/v3/webhook-subscriptions/{id}/ping', 'webhooks', 'lead_provider'],
    ['/admin/v1/webhook-subscriptions', 'webhooks', 'admin'],
    // The operators' additions (docs/operations.md): gateway fan-out, and a finance path under participants.
    ['/admin/v1/system/status', 'gateway', 'admin'],
    ['/admin/v1/parked-messages', 'gateway', 'admin'],
    ['/admin/v1/parked-messages/{id}/redrive', 'gateway', 'admin'],
    ['/admin/v1/participants', 'applications', 'admin'],
    ['/admin/v1/participants/{id}', 'applications', 'admin'],
    ['/admin/v1/participants/{id}/merge-preview', 'applications', 'admin'],
    ['/admin/v1/participants/{id}/declarations', 'finance', 'admin'],
    ['/admin/v1/statements/{id}/breakdown', 'finance', 'admin'],
    ['/admin/v1/outcome-deliveries/retry-failed', 'training', 'admin'],
  ])('%s belongs to %s (%s)', (path, owner, scope) => {
    expect(ownerOf(path)).toBe(owner);
    expect(scopeOf(path)).toBe(scope);
  });
});
