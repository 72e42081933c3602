import type amqp from 'amqplib';
import {
  connectFirstReachable,
  listDeadLetters,
  redriveDeadLetters,
  type DeadLetter,
  type TopologyNames,
} from '@shop/shared/messaging';

export interface DeadLetterListing {
  /** How many the queue holds. */
  total: number;
  /** The first of them, at most the console's limit. */
  items: DeadLetter[];
}

/**
 * The console's way to the dead-letter queue, one visit at a time: a listing or a re-drive takes
 * the messages it looks at off the queue until it is done, so two at once would each miss what the
 * other holds (a listing that counts 2 of 5, a re-drive that finds nothing). Listings asked for
 * while one waits or runs share it: a flood of them opens one broker connection and holds at most
 * `limit` messages, not a connection and the whole queue each.
 */
export function deadLetterQueue(urls: readonly string[], names: TopologyNames, limit: number) {
  let last: Promise<unknown> = Promise.resolve();
  let listing: Promise<DeadLetterListing> | undefined;

  const oneAtATime = <T>(work: (connection: amqp.ChannelModel) => Promise<T>): Promise<T> => {
    const run = last.then(() => withBroker(urls, work));
    last = run.catch(() => undefined);
    return run;
  };

  return {
    list(): Promise<DeadLetterListing> {
      listing ??= oneAtATime((connection) => listDeadLetters(connection, names, limit)).finally(() => (listing = undefined));
      return listing;
    },
    /** Re-drives the letters `wanted` picks; how many went back, of how many seen. */
    redrive(wanted: (letter: DeadLetter) => boolean): Promise<{ redriven: number; of: number }> {
      return oneAtATime(async (connection) => {
        const { seen, redriven } = await redriveDeadLetters(connection, names, wanted);
        return { redriven, of: seen.length };
      });
    },
  };
}

export type DeadLetterQueue = ReturnType<typeof deadLetterQueue>;

async function withBroker<T>(urls: readonly string[], work: (connection: amqp.ChannelModel) => Promise<T>): Promise<T> {
  const connection = await connectFirstReachable(urls, { connectionName: 'query-api console dlq' });
  try {
    return await work(connection);
  } finally {
    await connection.close().catch(() => undefined);
  }
}
