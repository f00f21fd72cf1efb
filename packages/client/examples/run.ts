import { runIntegration } from './integration';

/** `NPQ_BASE_URL=http://localhost:3000 NPQ_TOKEN=… pnpm --filter @npq/lead-provider-client example` */
const baseUrl = process.env.NPQ_BASE_URL ?? 'http://localhost:3000';
const token = process.env.NPQ_TOKEN;
const say = (line: string) => process.stdout.write(`${line}\n`);

if (!token) {
  process.stderr.write(
    'Set NPQ_TOKEN to a lead provider API token (scripts/start.sh prints one per provider).\n',
  );
  process.exit(2);
}

runIntegration(baseUrl, token).then(
  (out) => {
    say(`accepted application ${out.accepted.id} (participant ${out.accepted.attributes.participant_id})`);
    say(`declared started: ${out.declaration.id} (${out.declaration.attributes.state})`);
    say(`the participant has ${out.declarations.length} declaration(s)`);
    say(`updated_since: first poll ${out.firstPoll.length} record(s), second poll ${out.secondPoll.length}`);
    say(`a repeated accept is refused: ${out.refusal?.message ?? 'not refused'}`);
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
