export {
  createLeadProviderClient,
  type LeadProviderApi,
  type LeadProviderClient,
  type LeadProviderClientOptions,
} from './client';
export {
  errorMessages,
  isErrorsEnvelope,
  isLegacyError,
  LeadProviderApiError,
  unwrap,
  type ApiErrorBody,
  type ErrorsEnvelope,
  type LegacyError,
  type ParticipantIdChangedError,
} from './errors';
export type {
  FeedQuery,
  ListItem,
  ListOptions,
  ListPathParams,
  ListQuery,
  PaginatedPath,
  UpdatedSincePath,
} from './lists';
export {
  backoffDelay,
  createRetryingFetch,
  DEFAULT_RETRY,
  isIdempotent,
  parseRetryAfter,
  type RetryInfo,
  type RetryOptions,
} from './retry';
export {
  UpdatedSinceFeed,
  type FeedRecord,
  type UpdatedSinceOptions,
  type UpdatedSinceState,
} from './updated-since';
/** Every path, operation and schema of the API, generated from the platform's OpenAPI document. */
export type { ApiComponents, ApiOperations, ApiPaths } from '@npq/contracts';
export {
  verifyWebhook,
  WebhookVerificationError,
  type VerifyWebhookOptions,
  type WebhookHeaders,
  type WebhookMessage,
  type WebhookResource,
} from './webhooks';
