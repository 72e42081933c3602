import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * One hand-written HTTP exchange over a plain TCP socket, for what fetch refuses to send: CR or
 * LF inside a header, conflicting framing headers, a body shorter than its Content-Length, or
 * bytes trickled slowly.
 */
export interface RawRequest {
  /** Written at once, as is. */
  send: string | Buffer;
  /** Then written one byte at a time, `everyMs` apart (a slow-loris client). */
  trickle?: { text: string; everyMs: number };
  /** Then close our sending side: the server sees the request end where it is. */
  end?: boolean;
  /** Give up waiting after this long. */
  timeoutMs: number;
}

export interface RawOutcome {
  /** Status of the server's first response; undefined if it sent none. */
  status: number | undefined;
  /** The server closed (or reset) the connection. */
  closed: boolean;
  /** Neither an answer nor a close within `timeoutMs`. */
  timedOut: boolean;
  elapsedMs: number;
  /** The start of what the server sent, for failure messages. */
  head: string;
}

/** Resolves at the server's first status line, at its close, or at the timeout, whichever comes first. */
export function rawExchange(port: number, request: RawRequest): Promise<RawOutcome> {
  const started = Date.now();
  const socket = connect(port, '127.0.0.1');
  let received = Buffer.alloc(0);
  let closed = false;
  return new Promise((resolve) => {
    const finish = (timedOut: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      const head = received.toString('latin1', 0, 200);
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      resolve({ status: match ? Number(match[1]) : undefined, closed, timedOut, elapsedMs: Date.now() - started, head });
    };
    const timer = setTimeout(() => finish(true), request.timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.includes('\r\n')) finish(false);
    });
    // A reset (the server destroying a socket we still write to) is a close too.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = true;
      finish(false);
    });
    socket.once('connect', () => void write(socket, request));
  });
}

async function write(socket: Socket, request: RawRequest) {
  const alive = () => !socket.destroyed && socket.writable;
  if (alive()) socket.write(request.send);
  for (const char of request.trickle?.text ?? '') {
    await sleep(request.trickle!.everyMs);
    if (!alive()) return;
    socket.write(char);
  }
  if (request.end && alive()) socket.end();
}
