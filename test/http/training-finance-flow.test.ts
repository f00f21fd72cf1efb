import { startSystem, type System } from '../support/system';
import { AMBITION } from '../support/fixtures';
import { acceptedParticipant, at, declare, declareOk, startedAttributes } from '../support/finance';

/**
 * Training and finance together, through finance's real declaration endpoints: each side sees the other's
 * effect on the very next request (read-your-writes both ways).
 */
let system: System;
beforeAll(async () => {
  system = await startSystem();
});
afterAll(async () => {
  await system?.close();
});

const provider = () => system.provider(AMBITION.id);
const act = (id: string, name: string, attributes: Record<string, unknown>, serverDate: string) =>
  provider().put(
    `/api/v3/participants/npq/${id}/${name}`,
    { data: { type: `participant-${name}`, attributes } },
    at(serverDate),
  );
const outcomesOf = (id: string) => provider().get(`/api/v3/participants/npq/${id}/outcomes`);

describe('declarations made through finance', () => {
  it('a started declaration lets the participant be withdrawn at once; finance then refuses later declarations', async () => {
    const { participantId } = await acceptedParticipant(system);
    const early = await act(
      participantId,
      'withdraw',
      { course_identifier: 'npq-headship', reason: 'other' },
      '2025-10-12T00:00:00Z',
    );
    expect(early.status).toBe(422);
    expect(early.body.errors[0].detail).toBe(
      'An NPQ participant who has not got a started declaration cannot be withdrawn. Please contact support for assistance',
    );
    await declareOk(provider(), startedAttributes(participantId), '2025-10-15T09:00:00Z');
    const withdrawn = await act(
      participantId,
      'withdraw',
      { course_identifier: 'npq-headship', reason: 'other' },
      '2025-10-20T10:00:00Z',
    );
    expect(withdrawn.status).toBe(200);
    const late = await declare(
      provider(),
      startedAttributes(participantId, {
        declaration_type: 'retained-1',
        declaration_date: '2025-10-25T10:00:00Z',
      }),
      '2025-10-26T09:00:00Z',
    );
    expect(late.status).toBe(422);
    expect(late.body.errors).toContainEqual({
      title: 'participant_id',
      detail:
        "This participant withdrew from this course on 2025-10-20T10:00:00Z. Enter a '#/declaration_date' that's on or before the withdrawal date.",
    });
  });

  it('a completed declaration with has_passed records the outcome; voiding it records voided; lists agree at once', async () => {
    const { participantId } = await acceptedParticipant(system);
    await declareOk(provider(), startedAttributes(participantId), '2025-10-15T09:00:00Z');
    const completed = await declareOk(
      provider(),
      startedAttributes(participantId, {
        declaration_type: 'completed',
        declaration_date: '2025-11-20T10:00:00Z',
        has_passed: true,
      }),
      '2025-11-21T09:00:00Z',
    );
    expect(completed.attributes.has_passed).toBe(true);
    const afterCreate = await outcomesOf(participantId);
    expect(afterCreate.body.data.map((o: any) => [o.attributes.state, o.attributes.completion_date])).toEqual(
      [['passed', '2025-11-20T00:00:00+00:00']],
    );

    const voided = await provider().put(
      `/api/v3/participant-declarations/${completed.id}/void`,
      undefined,
      at('2025-11-22T09:00:00Z'),
    );
    expect(voided.status).toBe(200);
    expect(voided.body.data.attributes.has_passed).toBeNull();
    const afterVoid = await outcomesOf(participantId);
    expect(afterVoid.body.data.map((o: any) => o.attributes.state)).toEqual(['passed', 'voided']);
    const shown = await provider().get(`/api/v3/participant-declarations/${completed.id}`);
    expect(shown.body.data.attributes.has_passed).toBeNull();
  });

  it("an outcome submitted to training shows in the declaration's has_passed on the next request", async () => {
    const { participantId } = await acceptedParticipant(system);
    await declareOk(provider(), startedAttributes(participantId), '2025-10-15T09:00:00Z');
    const completed = await declareOk(
      provider(),
      startedAttributes(participantId, {
        declaration_type: 'completed',
        declaration_date: '2025-11-20T10:00:00Z',
        has_passed: false,
      }),
      '2025-11-21T09:00:00Z',
    );
    expect(completed.attributes.has_passed).toBe(false);
    const outcome = await provider().post(
      `/api/v3/participants/npq/${participantId}/outcomes`,
      {
        data: {
          type: 'npq-outcome-confirmation',
          attributes: { course_identifier: 'npq-headship', state: 'passed', completion_date: '2025-11-25' },
        },
      },
      at('2025-11-26T09:00:00Z'),
    );
    expect(outcome.status).toBe(200);
    const shown = await provider().get(`/api/v3/participant-declarations/${completed.id}`);
    expect(shown.body.data.attributes.has_passed).toBe(true);
  });
});
