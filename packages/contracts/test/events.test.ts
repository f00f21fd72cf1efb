import {
  consumersOf,
  OBSERVERS,
  EVENT_CATALOGUE,
  eventNameForSubject,
  eventsConsumedBy,
  type EventName,
} from '../src/events';

const names = Object.keys(EVENT_CATALOGUE) as EventName[];

describe('event catalogue', () => {
  it.each(names)('%s has a well-formed, versioned subject owned by its producer', (name) => {
    const def = EVENT_CATALOGUE[name];
    const [aggregate, event] = name.split('.');
    expect(def.subject).toBe(`npq.${def.producer}.${aggregate}.${event}.v${def.version}`);
    expect(def.consumers).not.toContain(def.producer);
    expect(def.description.length).toBeGreaterThan(10);
  });

  it('has unique subjects that map back to their event', () => {
    const subjects = names.map((n) => EVENT_CATALOGUE[n].subject);
    expect(new Set(subjects).size).toBe(subjects.length);
    for (const n of names) {
      expect(eventNameForSubject(EVENT_CATALOGUE[n].subject)).toBe(n);
      expect(eventNameForSubject(`t_abc.${EVENT_CATALOGUE[n].subject}`, 't_abc.')).toBe(n);
    }
    expect(eventNameForSubject('npq.unknown.thing.v1')).toBeUndefined();
  });

  it('lists who must confirm each event for read-your-writes', () => {
    expect(consumersOf('application.accepted')).toEqual(['training', 'finance']);
    expect(consumersOf('declaration.created')).toEqual(['applications', 'training']);
    expect(consumersOf('enrolment.training-status-changed')).toEqual(['applications', 'finance']);
    expect(eventsConsumedBy('gateway')).toEqual([]);
    expect(eventsConsumedBy('finance')).toEqual(
      expect.arrayContaining([
        'application.accepted',
        'participant.merged',
        'enrolment.schedule-changed',
        'outcome.recorded',
      ]),
    );
  });

  it('never makes read-your-writes wait for the webhooks service (docs/webhooks.md)', () => {
    expect(OBSERVERS).toEqual(['webhooks']);
    for (const name of Object.keys(EVENT_CATALOGUE) as EventName[]) {
      expect(consumersOf(name)).not.toContain('webhooks');
    }
    expect(eventsConsumedBy('webhooks')).toEqual([]);
  });
});
