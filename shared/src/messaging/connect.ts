import amqp, { type ChannelModel } from 'amqplib';

/**
 * Connects to the first broker node of `urls` (rabbitUrls) that accepts, trying them in order:
 * with a cluster, a node that is down costs one refused connection. Throws the last refusal when
 * none accepts.
 */
export async function connectFirstReachable(
  urls: readonly string[],
  options: { connectionName: string; timeoutMs?: number },
): Promise<ChannelModel> {
  let lastError: unknown = new Error('no broker address to connect to');
  for (const url of urls) {
    try {
      return await amqp.connect(url, {
        clientProperties: { connection_name: options.connectionName },
        ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
      });
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}
