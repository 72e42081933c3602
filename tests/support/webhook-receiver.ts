import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIGNATURE_HEADER, verifySignature } from '../../notifier/src/delivery/signing.ts';

/** One request the receiver got, with what it answered. */
export interface ReceivedRequest {
  eventId: string | undefined;
  idempotencyKey: string | undefined;
  signature: string | undefined;
  signatureValid: boolean;
  /** The raw bytes, as signed. */
  raw: Buffer;
  body: Record<string, unknown> | undefined;
  status: number;
}

/** What to answer a request (the n-th one, from 0). */
export type Behaviour = (request: { eventId: string | undefined; n: number }) => {
  status: number;
  headers?: Record<string, string>;
};

export interface WebhookReceiver {
  url: string;
  requests: ReceivedRequest[];
  setBehaviour(behaviour: Behaviour): void;
  close(): Promise<void>;
}

export const answer =
  (status: number): Behaviour =>
  () => ({ status });

/**
 * A test webhook receiver (node:http on a free port): verifies each request's X-Signature-256
 * over the raw body with the shared secret, as a real receiver must (notifier/README.md), records
 * it, and answers as its behaviour says.
 */
export async function startWebhookReceiver(secret: string, behaviour: Behaviour = answer(200)): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  let current = behaviour;
  const server = createServer((req, res) => {
    void readBody(req).then((raw) => {
      const signature = header(req, SIGNATURE_HEADER);
      let body: Record<string, unknown> | undefined;
      try {
        body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      } catch {
        body = undefined;
      }
      const eventId = typeof body?.eventId === 'string' ? body.eventId : undefined;
      const { status, headers } = current({ eventId, n: requests.length });
      requests.push({
        eventId,
        idempotencyKey: header(req, 'idempotency-key'),
        signature,
        signatureValid: verifySignature(raw, signature, secret),
        raw,
        body,
        status,
      });
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    setBehaviour: (b) => (current = b),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
