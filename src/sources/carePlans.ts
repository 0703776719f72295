// Recording an accepted plan: the CarePlan and its Provenance as one transaction (built in
// core/domain/twinRecords), written through the outbox (writes.ts), so a plan accepted while the
// server is unreachable is queued and recorded once when it answers. I/O only: the Scenarios view
// decides what the plan says and shows the outcome.
import { carePlanBundle } from '../../core/domain/twinRecords';
import { transactionLocations, writeTransaction } from './writes';

export type CarePlanArgs = Parameters<typeof carePlanBundle>[0];

export type CarePlanOutcome =
  /** The server cannot be reached: the plan waits in the outbox. */
  | { status: 'queued' }
  /** Recorded (or found already recorded: the conditional create on its identifier); `Type/id` of the CarePlan when the server named it. */
  | { status: 'recorded'; carePlanRef: string | undefined };

export async function recordCarePlan(args: CarePlanArgs): Promise<CarePlanOutcome> {
  const outcome = await writeTransaction(carePlanBundle(args));
  if (outcome.status === 'queued') return { status: 'queued' };
  return { status: 'recorded', carePlanRef: transactionLocations(outcome).find((l) => l.startsWith('CarePlan/')) };
}
