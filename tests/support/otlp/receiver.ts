import { createServer, type Server } from 'node:http';
import { decodeTraceExport, type ReceivedSpan } from './protobuf-spans.ts';

/**
 * An OTLP/HTTP receiver in the test process: accepts `POST /v1/traces` (protobuf, as every
 * exporter of the stack sends it), keeps the spans, answers 200 with an empty response.
 */
export async function startOtlpReceiver(
  port: number,
  host = '127.0.0.1',
): Promise<{ spans: ReceivedSpan[]; close(): Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      try {
        spans.push(...decodeTraceExport(Buffer.concat(chunks)));
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      } catch (err) {
        res.writeHead(400).end(String(err));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return {
    spans,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
