import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startTracing } from './tracing.ts';

/** A port on which nothing listens: the OTLP endpoint is down. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('startTracing', () => {
  it('shuts down cleanly when the spans still buffered cannot be exported (the collector is down)', async () => {
    const tracing = startTracing('shutdown-test', { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await closedPort()}` });
    tracing.tracer.startSpan('the last request').end();
    await expect(tracing.shutdown()).resolves.toBeUndefined();
  });
});
