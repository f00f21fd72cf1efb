import {
  createLeadProviderClient,
  errorMessages,
  LeadProviderApiError,
  unwrap,
} from '@npq/lead-provider-client';

/**
 * A provider's day-one flow against the sandbox: find a pending application, accept it, declare that the
 * participant started, read the declarations back, then keep up with changes through `updated_since`.
 */
export async function runIntegration(baseUrl: string, token: string) {
  // Sandbox only: the API acts as if it were 15 September 2025 (X-With-Server-Date), the start of the
  // 2025 cohort's autumn schedules. In production, leave `serverDate` out.
  const client = createLeadProviderClient({ baseUrl, token, serverDate: '2025-09-15T10:00:00Z' });

  // 1. Every page of the applications list, until the empty page.
  let pending;
  for await (const application of client.paginate('/api/v3/npq-applications', {
    query: { filter: { cohort: '2025' } },
  })) {
    if (application.attributes.status === 'pending') {
      pending = application;
      break;
    }
  }
  if (!pending) throw new Error('No pending 2025 application to accept');

  // 2. Accept it. 2025 is a capped cohort, so `funded_place` is required. `unwrap` returns the typed body
  //    or throws a LeadProviderApiError carrying the typed error body.
  const accepted = unwrap(
    await client.POST('/api/v3/npq-applications/{id}/accept', {
      params: { path: { id: pending.id } },
      body: { data: { type: 'npq-application-accept', attributes: { funded_place: true } } },
    }),
  ).data;
  const participantId = accepted.attributes.participant_id;

  // 3. A delivery partner we work with in 2025.
  let partner;
  for await (const p of client.paginate('/api/v3/delivery-partners', {
    query: { filter: { cohort: '2025' } },
  })) {
    partner = p;
    break;
  }
  if (!partner) throw new Error('No delivery partner for 2025');

  // 4. Declare that the participant started, a month later (in sandbox time). Errors are typed without
  //    throwing too: `result.error` is the union of this operation's documented error bodies.
  const later = client.withServerDate('2025-10-15T09:00:00Z');
  const result = await later.POST('/api/v3/participant-declarations', {
    body: {
      data: {
        type: 'participant-declaration',
        attributes: {
          participant_id: participantId,
          declaration_type: 'started',
          declaration_date: '2025-10-10T10:00:00Z',
          course_identifier: accepted.attributes.course_identifier,
          delivery_partner_id: partner.id,
        },
      },
    },
  });
  if (result.error !== undefined) {
    throw new Error(
      `Declaration refused (${result.response.status}): ${errorMessages(result.error).join('; ')}`,
    );
  }
  const declaration = result.data.data;

  // 5. The participant's declarations.
  const declarations = [];
  for await (const d of later.paginate('/api/v3/participant-declarations', {
    query: { filter: { participant_id: participantId } },
  })) {
    declarations.push(d);
  }

  // 6. Keep up with changes: each poll returns what is new or changed since the previous one, never missing
  //    a record on a page boundary. Persist `feed.state` (JSON) between runs and pass it back as `state`.
  const feed = client.updatedSince('/api/v3/participant-declarations');
  const firstPoll = await feed.poll(); // everything, the first time
  const secondPoll = await feed.poll(); // nothing has changed since
  const savedState = JSON.stringify(feed.state);

  // A refused request, caught as a typed error.
  let refusal: LeadProviderApiError | undefined;
  try {
    unwrap(
      await client.POST('/api/v3/npq-applications/{id}/accept', {
        params: { path: { id: pending.id } },
        body: { data: { type: 'npq-application-accept', attributes: { funded_place: true } } },
      }),
    );
  } catch (error) {
    if (!(error instanceof LeadProviderApiError)) throw error;
    refusal = error; // 422, fieldErrors: { application: ['This NPQ application has already been accepted'] }
  }

  return { accepted, declaration, declarations, firstPoll, secondPoll, savedState, refusal };
}
