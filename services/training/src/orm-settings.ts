import path from 'node:path';
import type { OrmSettings } from '@npq/service-kit';
import { ApplicationRecordSchema } from './applications/entity';
import { DeclarationRecordSchema } from './declarations/entity';
import { OutcomeDeliveryAttemptSchema, OutcomeDeliverySchema } from './dqt/entity';
import { ApplicationStateSchema, EnrolmentSchema } from './enrolments/entity';
import { OutcomeSchema } from './outcomes/entity';
import { ParticipantIdChangeSchema, PersonSchema } from './people/entity';

export const TRAINING_SCHEMA = 'training';

export function trainingOrmSettings(clientUrl: string): OrmSettings {
  return {
    schema: TRAINING_SCHEMA,
    clientUrl,
    entities: [
      PersonSchema,
      ParticipantIdChangeSchema,
      ApplicationRecordSchema,
      EnrolmentSchema,
      ApplicationStateSchema,
      DeclarationRecordSchema,
      OutcomeSchema,
      OutcomeDeliverySchema,
      OutcomeDeliveryAttemptSchema,
    ],
    migrationsDir: path.join(__dirname, 'migrations'),
  };
}
