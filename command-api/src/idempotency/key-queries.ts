import type pg from 'pg';

/**
 * Inserts the key, or takes over one older than the TTL (forgotten: the request runs anew); false
 * if a live one exists. Blocks while another open transaction holds the same key.
 */
export async function claimKey(client: pg.PoolClient, key: string, fingerprint: string, ttlHours: number): Promise<boolean> {
  const result = await client.query(
    /* sql */ `INSERT INTO idempotency_keys AS k (key, fingerprint) VALUES ($1::text, $2::text)
               ON CONFLICT (key) DO UPDATE
                 SET fingerprint = EXCLUDED.fingerprint, status = NULL, body = NULL, consistency_token = NULL, created_at = now()
                 WHERE k.created_at < now() - make_interval(hours => $3::int)`,
    [key, fingerprint, ttlHours],
  );
  return result.rowCount === 1;
}

export async function findKey(client: pg.PoolClient, key: string) {
  const { rows } = await client.query<{
    fingerprint: string;
    status: number | null;
    body: string | null;
    consistency_token: string | null;
  }>(/* sql */ `SELECT fingerprint, status, body, consistency_token FROM idempotency_keys WHERE key = $1::text`, [key]);
  return rows[0];
}

export async function saveResponse(
  client: pg.PoolClient,
  key: string,
  response: { status: number; body: unknown; consistencyToken?: string | undefined },
): Promise<void> {
  await client.query(
    /* sql */ `UPDATE idempotency_keys SET status = $2::int, body = $3::text, consistency_token = $4::text WHERE key = $1::text`,
    [key, response.status, JSON.stringify(response.body), response.consistencyToken ?? null],
  );
}
