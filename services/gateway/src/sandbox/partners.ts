/**
 * The delivery partner the sandbox's declarations name: the finance seed's first one, partnered with every
 * lead provider in every cohort (services/finance/src/seed.ts, SEED_DELIVERY_PARTNERS).
 */
export const SEED_DELIVERY_PARTNER_ID = '8f5b8a3e-2c1d-4e6f-9a0b-1c2d3e4f5a01';
