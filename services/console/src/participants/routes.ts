import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { audit } from '../audit';
import { GatewayError } from '../gateway/client';
import { param, UUID } from '../pagination';
import { page, renderError, setFlash } from '../views/render';

function participantId(req: FastifyRequest): string | undefined {
  const id = (req.params as { id: string }).id;
  return UUID.test(id) ? id.toLowerCase() : undefined;
}

function field(req: FastifyRequest, name: string): string | undefined {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}

/** Field errors of the admin API's 422 (title = attribute) as GOV.UK error summary items. */
function fieldErrors(err: GatewayError): { text: string; href: string; field: string }[] {
  return err.problems.map((p) => ({ text: p.detail, field: p.title, href: `#${p.title}` }));
}

/**
 * Page 3: find a person (participant id, TRN or email), their applications, enrolments, declarations and
 * id-change trail; change their identity; merge a duplicate into them (docs/console.md, "Participants").
 * Search terms are personal data: they travel in the query string to the admin API and are never logged
 * (the console's request log drops query strings).
 */
export function participantRoutes(app: FastifyInstance): void {
  app.get('/participants', async (req, reply) => {
    const q = param(req.query, 'q');
    const results = q ? await req.consoleSession!.api.searchParticipants(q) : undefined;
    return page(req, reply, 'participants/index.njk', { title: 'Participants', q, results });
  });

  app.get('/participants/:id', async (req, reply) => {
    const id = participantId(req);
    if (!id) return renderError(req, reply, 404);
    const api = req.consoleSession!.api;
    const [participant, declarations, providers] = await Promise.all([
      api.participant(id),
      api.participantDeclarations(id),
      api.leadProviders(),
    ]);
    return page(req, reply, 'participants/show.njk', {
      title: 'Participant',
      participant,
      declarations,
      names: Object.fromEntries(providers.map((p) => [p.id, p.attributes.name])),
    });
  });

  const editForm = async (
    req: FastifyRequest,
    reply: FastifyReply,
    id: string,
    values?: Record<string, unknown>,
    errors: { text: string; href: string; field: string }[] = [],
  ) => {
    const participant = await req.consoleSession!.api.participant(id);
    const a = participant.attributes;
    return page(req, reply, 'participants/edit.njk', {
      title: 'Change identity',
      participant,
      values: values ?? {
        full_name: a.full_name,
        email: a.email ?? '',
        teacher_reference_number: a.teacher_reference_number ?? '',
        teacher_reference_number_validated: a.teacher_reference_number_validated,
      },
      errors,
      errorFor: Object.fromEntries(errors.map((e) => [e.field, e.text])),
    });
  };

  app.get('/participants/:id/edit', async (req, reply) => {
    const id = participantId(req);
    if (!id) return renderError(req, reply, 404);
    return editForm(req, reply, id);
  });

  app.post('/participants/:id/edit', async (req, reply) => {
    const id = participantId(req);
    if (!id) return renderError(req, reply, 404);
    const api = req.consoleSession!.api;
    const before = (await api.participant(id)).attributes;
    const values = {
      full_name: (field(req, 'full_name') ?? '').trim(),
      email: (field(req, 'email') ?? '').trim(),
      teacher_reference_number: (field(req, 'teacher_reference_number') ?? '').trim(),
      teacher_reference_number_validated: field(req, 'teacher_reference_number_validated') === 'true',
    };
    // Only what changed is sent: the PATCH treats every attribute it gets as a change (docs/domain.md).
    const changes: Parameters<typeof api.updateParticipant>[1] = {};
    if (values.full_name !== before.full_name) changes.full_name = values.full_name;
    if (values.email !== (before.email ?? '')) changes.email = values.email;
    if (values.teacher_reference_number !== (before.teacher_reference_number ?? ''))
      changes.teacher_reference_number = values.teacher_reference_number;
    if (values.teacher_reference_number_validated !== before.teacher_reference_number_validated)
      changes.teacher_reference_number_validated = values.teacher_reference_number_validated;
    const changed = Object.keys(changes);
    if (changed.length === 0) {
      await setFlash(req, { kind: 'important', title: 'Nothing to change' });
      return reply.redirect(`/participants/${id}`, 303);
    }
    try {
      await api.updateParticipant(id, changes);
    } catch (err) {
      if (err instanceof GatewayError && err.status === 422) {
        audit(req, 'participant.update-identity', { participant_id: id }, 'refused', { status: 422 });
        reply.status(422);
        return editForm(req, reply, id, values, fieldErrors(err));
      }
      throw err;
    }
    // Which attributes changed, never their values (personal data).
    audit(req, 'participant.update-identity', { participant_id: id, attributes: changed.join(',') });
    await setFlash(req, { kind: 'success', title: 'Identity changed' });
    return reply.redirect(`/participants/${id}`, 303);
  });

  app.get('/participants/:id/merge', async (req, reply) => {
    const id = participantId(req);
    if (!id) return renderError(req, reply, 404);
    const api = req.consoleSession!.api;
    const intoParam = param(req.query, 'into_participant_id');
    const participant = await api.participant(id);
    if (!intoParam) {
      return page(req, reply, 'participants/merge.njk', { title: 'Merge participant', participant });
    }
    const into = intoParam.toLowerCase();
    if (!UUID.test(into) || into === id) {
      reply.status(422);
      return page(req, reply, 'participants/merge.njk', {
        title: 'Merge participant',
        participant,
        intoValue: intoParam,
        error: into === id ? 'Choose another participant to merge into' : 'Enter a participant id (a UUID)',
      });
    }
    let target;
    let preview;
    try {
      [target, preview] = await Promise.all([api.participant(into), api.mergePreview(id, into)]);
    } catch (err) {
      if (err instanceof GatewayError && (err.notFound || err.status === 422)) {
        reply.status(422);
        return page(req, reply, 'participants/merge.njk', {
          title: 'Merge participant',
          participant,
          intoValue: intoParam,
          error: err.notFound ? 'There is no participant with that id' : err.message,
        });
      }
      throw err;
    }
    return page(req, reply, 'participants/merge-preview.njk', {
      title: 'Check the merge',
      participant,
      target,
      preview,
      idempotencyKey: randomUUID(),
    });
  });

  app.post('/participants/:id/merge', async (req, reply) => {
    const id = participantId(req);
    if (!id) return renderError(req, reply, 404);
    const into = (field(req, 'into_participant_id') ?? '').toLowerCase();
    if (!UUID.test(into)) return renderError(req, reply, 400);
    const key = field(req, 'idempotency_key');
    try {
      await req.consoleSession!.api.mergeParticipant(id, into, key && UUID.test(key) ? key : randomUUID());
    } catch (err) {
      if (err instanceof GatewayError && (err.status === 422 || err.status === 409)) {
        audit(req, 'participant.merge', { participant_id: id, into_participant_id: into }, 'refused', {
          status: err.status,
        });
        await setFlash(req, { kind: 'important', title: 'Not merged', text: err.message });
        return reply.redirect(`/participants/${id}/merge?into_participant_id=${into}`, 303);
      }
      throw err;
    }
    audit(req, 'participant.merge', { participant_id: id, into_participant_id: into });
    await setFlash(req, {
      kind: 'success',
      title: 'Participants merged',
      text: `${id} is retired: its applications are now this participant's.`,
    });
    return reply.redirect(`/participants/${into}`, 303);
  });
}
