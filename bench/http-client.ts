import http from 'node:http';

/**
 * The load generator's HTTP client: node:http on kept-alive connections. The load generator shares
 * the 2 cores with the stack it measures, and Node's fetch cost it 1.1-1.4 ms of CPU per request
 * (`npm run probe`), more than the command API spends on the order; every system under test gets
 * the same client, so what it costs is taken from all of them alike, and less of it is better.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });

export interface JsonAnswer {
  status: number;
  body: Record<string, unknown> | undefined;
}

/** POSTs a JSON body; the answer's status and, if it is JSON, its body. Network errors reject. */
export function postJsonRequest(url: string, body: unknown): Promise<JsonAnswer> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': payload.length } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: Record<string, unknown> | undefined;
          try {
            parsed = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
