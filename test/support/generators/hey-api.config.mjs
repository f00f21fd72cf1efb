// @hey-api/openapi-ts configuration for test/http/client-generators.test.ts: a fetch client whose SDK
// validates every request and response with the generated zod schemas. HEY_API_OUTPUT is the directory.
import path from 'node:path';

export default {
  input: path.join(import.meta.dirname, '../../../packages/contracts/openapi/openapi.yaml'),
  output: { path: process.env.HEY_API_OUTPUT, importFileExtension: null },
  plugins: ['@hey-api/client-fetch', 'zod', { name: '@hey-api/sdk', validator: true }],
};
