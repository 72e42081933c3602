import type { AddressInfo } from 'node:net';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { traceRequests } from './http-spans.ts';
import { outboxSpanContext } from './span-context.ts';
import { startTracing } from './tracing.ts';

/** An app whose one route answers what a handler would write to the outbox's span column. */
async function serve(recording: boolean) {
  const tracing = startTracing('http-spans-test', {});
  const app = express();
  app.use(traceRequests({ tracer: tracing.tracer, recording }));
  app.get('/api/x', (_req, res) => {
    res.json({ spanContext: outboxSpanContext() });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/x`;
  return { url, close: () => new Promise((resolve) => server.close(resolve)) };
}

const TRACE = '0af7651916cd43dd8448eb211c80319c';

describe('traceRequests without recording', () => {
  it("passes a caller's trace context through to what the request writes", async () => {
    const app = await serve(false);
    try {
      const res = await fetch(app.url, { headers: { traceparent: `00-${TRACE}-b7ad6b7169203331-01` } });
      const { spanContext } = (await res.json()) as { spanContext: string | null };
      expect(spanContext).toContain(`traceparent=00-${TRACE}-`);
    } finally {
      await app.close();
    }
  });

  it('leaves a request without a traceparent alone: no context, nothing written', async () => {
    const app = await serve(false);
    try {
      const { spanContext } = (await (await fetch(app.url)).json()) as { spanContext: string | null };
      expect(spanContext).toBeNull();
    } finally {
      await app.close();
    }
  });
});
