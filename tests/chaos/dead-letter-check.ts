import type pg from 'pg';
import { headerText } from '@shop/shared/events';
import type { StackConfig } from '../../infra/src/stack-config.ts';
import { DEAD_LETTER_HEADERS, describeDeadLetter, visitDeadLetters } from '@shop/shared/messaging';
import { pollUntil, topologyNames, withConnection } from './fault-context.ts';
import { POISON_TAG, type PoisonRecord } from './poison.ts';

interface Letter {
  tag: string | undefined;
  eventId: string | undefined;
  /** Set when the projector parked it (x-projector-reason); RabbitMQ's own dead-lettering has none. */
  projectorReason: string | undefined;
  /** The reason as `npm run dlq -- list` shows it. */
  reason: string;
}

/** Every message in the stack's DLQ, each looked at once and put back (visitDeadLetters). */
export async function readDeadLetterQueue(stack: StackConfig): Promise<Letter[]> {
  return withConnection(stack, async (connection) => {
    const letters: Letter[] = [];
    await visitDeadLetters(connection, topologyNames(stack), async (msg) => {
      const headers = msg.properties.headers ?? {};
      const { eventId, reason } = describeDeadLetter(msg);
      letters.push({
        tag: headerText(headers[POISON_TAG]),
        eventId,
        projectorReason: headerText(headers[DEAD_LETTER_HEADERS.reason]),
        reason,
      });
      return 'keep';
    });
    return letters;
  });
}

/** Waits (bounded) until every poison message of the run is in the DLQ: some take retries first. */
export async function waitUntilPoisonParked(stack: StackConfig, poison: PoisonRecord[], timeoutMs: number): Promise<boolean> {
  const tags = new Set(poison.map((p) => p.tag));
  return pollUntil(
    async () => {
      const found = new Set((await readDeadLetterQueue(stack)).map((l) => l.tag));
      return [...tags].every((tag) => found.has(tag));
    },
    timeoutMs,
    1_000,
  );
}

/** What was parked before the run (on the shared test stack: other tests' dead letters). */
export interface DeadLetterBaseline {
  /** DLQ messages by event id and reason. */
  letters: string[];
  parkedIds: Set<string>;
}

const letterKey = (l: Letter) => `${l.eventId ?? '(no id)'}: ${l.reason}`;

export async function deadLetterBaseline(stack: StackConfig, read: pg.Pool): Promise<DeadLetterBaseline> {
  const { rows } = await read.query<{ id: string }>(/* sql */ `SELECT event_id::text AS id FROM read.dead_letters`);
  return { letters: (await readDeadLetterQueue(stack)).map(letterKey), parkedIds: new Set(rows.map((r) => r.id)) };
}

/** The letters not in the baseline (as a multiset: a second copy of a baseline letter is new). */
function newLetters(letters: Letter[], baseline: DeadLetterBaseline): Letter[] {
  const before = [...baseline.letters];
  return letters.filter((l) => {
    const i = before.indexOf(letterKey(l));
    if (i >= 0) before.splice(i, 1);
    return i < 0;
  });
}

/**
 * Poison messages: each in the DLQ, parked by the projector with its reason; each with a proper
 * uuid id also noted in read.dead_letters; none in the inbox. Valid events: none parked, in the
 * DLQ or in read.dead_letters, beyond what was there before the run.
 */
export async function checkDeadLetters(stack: StackConfig, read: pg.Pool, poison: PoisonRecord[], baseline: DeadLetterBaseline) {
  const letters = await readDeadLetterQueue(stack);
  const ids = poison.flatMap((p) => (p.id ? [p.id] : []));
  const noted = await idSet(read, 'SELECT event_id::text AS id FROM read.dead_letters WHERE event_id = ANY($1::uuid[])', ids);
  const applied = await idSet(read, 'SELECT event_id::text AS id FROM read.inbox WHERE event_id = ANY($1::uuid[])', ids);
  const problems = new Map<string, number>();
  const problem = (what: string) => problems.set(what, (problems.get(what) ?? 0) + 1);
  let parked = 0;
  let extraCopies = 0;
  for (const p of poison) {
    const copies = letters.filter((l) => l.tag === p.tag);
    const byProjector = copies.filter((l) => l.projectorReason);
    if (copies.length === 0) problem(`${p.kind}: not in the DLQ`);
    else if (byProjector.length === 0) problem(`${p.kind}: in the DLQ without the projector's reason (${copies[0]!.reason})`);
    else parked++;
    extraCopies += Math.max(0, copies.length - 1);
    if (p.id && !noted.has(p.id)) problem(`${p.kind}: not in read.dead_letters`);
    if (p.id && applied.has(p.id)) problem(`${p.kind}: APPLIED`);
  }
  const tags = new Set(poison.map((p) => p.tag));
  const others = newLetters(
    letters.filter((l) => l.tag === undefined || !tags.has(l.tag)),
    baseline,
  );
  const rows = await idSet(
    read,
    'SELECT event_id::text AS id FROM read.dead_letters WHERE NOT (event_id = ANY($1::uuid[]))',
    ids,
  );
  const parkedValid = [...rows].filter((id) => !baseline.parkedIds.has(id));
  return [
    {
      invariant: 'every poison message parked, never applied',
      ok: problems.size === 0,
      detail:
        `${poison.length} published: ${parked} parked by the projector with a reason${extraCopies > 0 ? ` (+${extraCopies} second copies)` : ''}, ` +
        `${noted.size} of ${ids.length} with an id in read.dead_letters, ${applied.size} applied` +
        [...problems].map(([what, n]) => `; ${what}${n > 1 ? ` (x${n})` : ''}`).join(''),
    },
    {
      invariant: 'no valid event parked (DLQ, dead_letters)',
      ok: others.length === 0 && parkedValid.length === 0,
      detail:
        `DLQ +${others.length} other messages, read.dead_letters +${parkedValid.length} other rows` +
        others
          .slice(0, 3)
          .map((l) => `; ${letterKey(l)}`)
          .join(''),
    },
  ];
}

/** Removes this run's poison from the DLQ and its notes from the read database: the shared test stack stays clean. */
export async function removePoison(stack: StackConfig, read: pg.Pool, poison: PoisonRecord[]): Promise<number> {
  const tags = new Set(poison.map((p) => p.tag));
  const ids = poison.flatMap((p) => (p.id ? [p.id] : []));
  let removed = 0;
  await withConnection(stack, (connection) =>
    visitDeadLetters(connection, topologyNames(stack), async (msg, channel) => {
      if (!tags.has(headerText(msg.properties.headers?.[POISON_TAG]) ?? '')) return 'keep';
      channel.ack(msg);
      removed++;
      return 'settled';
    }),
  );
  await read.query('DELETE FROM read.dead_letters WHERE event_id = ANY($1::uuid[])', [ids]);
  await read.query('DELETE FROM read.projection_failures WHERE event_id = ANY($1::uuid[])', [ids]);
  return removed;
}

async function idSet(read: pg.Pool, sql: string, ids: string[]): Promise<Set<string>> {
  return new Set((await read.query<{ id: string }>(sql, [ids])).rows.map((r) => r.id));
}
