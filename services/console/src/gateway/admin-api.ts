import type { GatewayClient, Resource } from './client';
import type {
  AdminStatement,
  ApiTokenRecord,
  LeadProvider,
  MergePreview,
  NewApiToken,
  OutcomeDelivery,
  OutcomeDeliveryAttempt,
  OutcomeDeliveryState,
  ParkedMessage,
  ParkedMessageState,
  Participant,
  ParticipantDeclaration,
  ParticipantDetail,
  StatementBreakdown,
  StatementDeclaration,
  StatementState,
  SystemStatus,
  WebhookSubscription,
  WebhookSubscriptionState,
} from './types';

type One<A> = { data: Resource<A> };
type Many<A> = { data: Resource<A>[] };

export interface Page {
  page: number;
  perPage: number;
}

function pageQuery(page: Page): Record<string, number> {
  return { 'page[page]': page.page, 'page[per_page]': page.perPage };
}

const enc = encodeURIComponent;

/** Every admin call the console's pages make, one method each (paths and shapes: the OpenAPI document). */
export class AdminApi {
  constructor(readonly client: GatewayClient) {}

  // ---- sign-in -------------------------------------------------------------------------------------------
  /** Whether the token is an admin token: the cheapest admin read (one lead provider). */
  async verify(): Promise<void> {
    await this.client.get('/admin/v1/lead-providers', { 'page[per_page]': 1 });
  }

  // ---- overview ------------------------------------------------------------------------------------------
  async systemStatus(): Promise<SystemStatus> {
    return (await this.client.get<One<SystemStatus>>('/admin/v1/system/status')).data.attributes;
  }

  // ---- lead providers and tokens -------------------------------------------------------------------------
  leadProviders(): Promise<Resource<LeadProvider['attributes']>[]> {
    return this.client.all('/admin/v1/lead-providers');
  }

  apiTokens(leadProviderId?: string): Promise<Resource<ApiTokenRecord['attributes']>[]> {
    return this.client.all('/admin/v1/api-tokens', { 'filter[lead_provider_id]': leadProviderId });
  }

  async createApiToken(leadProviderId: string): Promise<NewApiToken> {
    const body = await this.client.json<{ data: NewApiToken }>(
      'POST',
      `/admin/v1/lead-providers/${enc(leadProviderId)}/api-tokens`,
    );
    return body.data;
  }

  async revokeApiToken(id: string): Promise<void> {
    await this.client.request('DELETE', `/admin/v1/api-tokens/${enc(id)}`);
  }

  webhookSubscriptions(filter: {
    state?: WebhookSubscriptionState;
    leadProviderId?: string;
  }): Promise<Resource<WebhookSubscription['attributes']>[]> {
    return this.client.all('/admin/v1/webhook-subscriptions', {
      'filter[state]': filter.state,
      'filter[lead_provider_id]': filter.leadProviderId,
    });
  }

  async disableWebhookSubscription(id: string): Promise<void> {
    await this.client.request('POST', `/admin/v1/webhook-subscriptions/${enc(id)}/disable`);
  }

  // ---- statements ----------------------------------------------------------------------------------------
  async statements(
    filter: { leadProviderId?: string; cohort?: string; state?: StatementState },
    page: Page,
  ): Promise<Resource<AdminStatement['attributes']>[]> {
    const body = await this.client.get<Many<AdminStatement['attributes']>>('/admin/v1/statements', {
      'filter[lead_provider_id]': filter.leadProviderId,
      'filter[cohort]': filter.cohort,
      'filter[state]': filter.state,
      ...pageQuery(page),
    });
    return body.data;
  }

  /** Every statement of one provider and cohort (for the chart over the cohort's months). */
  cohortStatements(
    leadProviderId: string,
    cohort: string,
  ): Promise<Resource<AdminStatement['attributes']>[]> {
    return this.client.all('/admin/v1/statements', {
      'filter[lead_provider_id]': leadProviderId,
      'filter[cohort]': cohort,
    });
  }

  async statement(id: string): Promise<Resource<AdminStatement['attributes']>> {
    return (await this.client.get<One<AdminStatement['attributes']>>(`/admin/v1/statements/${enc(id)}`)).data;
  }

  async statementBreakdown(id: string): Promise<StatementBreakdown> {
    return (await this.client.get<One<StatementBreakdown>>(`/admin/v1/statements/${enc(id)}/breakdown`)).data
      .attributes;
  }

  async statementDeclarations(id: string, page: Page): Promise<Resource<StatementDeclaration>[]> {
    return (
      await this.client.get<Many<StatementDeclaration>>(
        `/admin/v1/statements/${enc(id)}/declarations`,
        pageQuery(page),
      )
    ).data;
  }

  /** The statement's declarations as the admin API's CSV (header row first). */
  async statementDeclarationsCsv(id: string): Promise<string> {
    const { text } = await this.client.request('GET', `/admin/v1/statements/${enc(id)}/declarations`, {
      accept: 'text/csv',
    });
    return text;
  }

  /** Idempotent per confirmation: a double submit of the same confirmation authorises once. */
  async authorisePayment(id: string, idempotencyKey: string): Promise<void> {
    await this.client.request('POST', `/admin/v1/statements/${enc(id)}/authorise-payment`, {
      idempotencyKey,
    });
  }

  // ---- participants --------------------------------------------------------------------------------------
  async searchParticipants(q: string): Promise<Resource<Participant>[]> {
    return (await this.client.get<Many<Participant>>('/admin/v1/participants', { q })).data;
  }

  async participant(id: string): Promise<Resource<ParticipantDetail>> {
    return (await this.client.get<One<ParticipantDetail>>(`/admin/v1/participants/${enc(id)}`)).data;
  }

  participantDeclarations(id: string): Promise<Resource<ParticipantDeclaration>[]> {
    return this.client.all(`/admin/v1/participants/${enc(id)}/declarations`);
  }

  async updateParticipant(
    id: string,
    attributes: {
      full_name?: string;
      email?: string;
      teacher_reference_number?: string;
      teacher_reference_number_validated?: boolean;
    },
  ): Promise<void> {
    await this.client.request('PATCH', `/admin/v1/participants/${enc(id)}`, {
      body: { data: { type: 'participant', attributes } },
    });
  }

  async mergePreview(id: string, intoId: string): Promise<MergePreview> {
    return (
      await this.client.get<One<MergePreview>>(`/admin/v1/participants/${enc(id)}/merge-preview`, {
        into_participant_id: intoId,
      })
    ).data.attributes;
  }

  async mergeParticipant(id: string, intoId: string, idempotencyKey: string): Promise<void> {
    await this.client.request('POST', `/admin/v1/participants/${enc(id)}/merge`, {
      body: { data: { type: 'participant-merge', attributes: { into_participant_id: intoId } } },
      idempotencyKey,
    });
  }

  // ---- DQT outcome deliveries ----------------------------------------------------------------------------
  async outcomeDeliveries(
    state: OutcomeDeliveryState | undefined,
    page: Page,
  ): Promise<Resource<OutcomeDelivery['attributes']>[]> {
    return (
      await this.client.get<Many<OutcomeDelivery['attributes']>>('/admin/v1/outcome-deliveries', {
        'filter[state]': state,
        ...pageQuery(page),
      })
    ).data;
  }

  /** One delivery (the admin API lists them; there is no read of one). */
  async outcomeDelivery(id: string): Promise<Resource<OutcomeDelivery['attributes']> | undefined> {
    const all = await this.client.all<OutcomeDelivery['attributes']>(
      '/admin/v1/outcome-deliveries',
      {},
      10_000,
    );
    return all.find((d) => d.id === id);
  }

  outcomeDeliveryAttempts(id: string): Promise<Resource<OutcomeDeliveryAttempt['attributes']>[]> {
    return this.client.all(`/admin/v1/outcome-deliveries/${enc(id)}/attempts`);
  }

  async retryOutcomeDelivery(id: string, idempotencyKey: string): Promise<void> {
    await this.client.request('POST', `/admin/v1/outcome-deliveries/${enc(id)}/retry`, { idempotencyKey });
  }

  async retryFailedOutcomeDeliveries(): Promise<number> {
    const body = await this.client.json<One<{ queued: number }>>(
      'POST',
      '/admin/v1/outcome-deliveries/retry-failed',
    );
    return body.data.attributes.queued;
  }

  // ---- parked messages -----------------------------------------------------------------------------------
  async parkedMessages(state: ParkedMessageState): Promise<Resource<ParkedMessage>[]> {
    return (await this.client.get<Many<ParkedMessage>>('/admin/v1/parked-messages', { state })).data;
  }

  async parkedMessage(id: string): Promise<Resource<ParkedMessage>> {
    return (await this.client.get<One<ParkedMessage>>(`/admin/v1/parked-messages/${enc(id)}`)).data;
  }

  async redriveParkedMessage(id: string): Promise<void> {
    await this.client.request('POST', `/admin/v1/parked-messages/${enc(id)}/redrive`);
  }

  async discardParkedMessage(id: string): Promise<void> {
    await this.client.request('POST', `/admin/v1/parked-messages/${enc(id)}/discard`);
  }
}
