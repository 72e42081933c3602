import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import amqp from 'amqplib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPool } from '@shop/shared/db';
import { postgresUrl, rabbitUrl } from '@shop/shared/config';
import {
  BROKER_PASSWORD_SETTINGS,
  BROKER_USERS,
  deadLetterExchangeOf,
  deadLetterQueueOf,
  MAX_MESSAGE_BYTES,
  notifierTopologyNames,
  shardQueueOf,
  type BrokerLogin,
} from '@shop/shared/messaging';
import { rebuildReadModels } from '../../projector/src/rebuild/rebuild.ts';
import { SECRET_SETTINGS } from '../../infra/src/secrets.ts';
import { dbLogin, type DbLogin } from '../../infra/src/stack-config.ts';
import { commandApi, connect, postJson, queryApi, waitUntilProjected } from '../support/clients.ts';

const stack = inject('stack');

/** One component's role on one database: what a stolen password of that component could do. */
async function as(login: DbLogin, database: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: postgresUrl(dbLogin(stack, login), database) });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** The SQLSTATE a statement fails with, or 'ok'. Each runs in a transaction rolled back after. */
async function attempt(client: pg.Client, sql: string, params: unknown[] = []): Promise<string> {
  await client.query('BEGIN READ WRITE');
  try {
    await client.query(sql, params);
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  } finally {
    await client.query('ROLLBACK');
  }
}

const DENIED = '42501'; // insufficient_privilege
/** An event no command wrote: what a component with a stolen password would try to put in the log. */
const FORGED_OUTBOX_ROW = `INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload)
                           VALUES (gen_random_uuid(), 'order', '1', 'OrderPlaced', '{}')`;

describe('least privilege: each component logs in as its own role, and can do only its job', () => {
  const clients: pg.Client[] = [];
  const open = async (login: DbLogin, database: string) => {
    const client = await as(login, database);
    clients.push(client);
    return client;
  };
  let productId: number;

  beforeAll(async () => {
    const product = await postJson(`${commandApi(stack)}/api/products`, {
      name: 'Grant',
      category: 'roles',
      price: 3,
      stock: 50,
    });
    productId = product.body.productId as number;
    expect(
      (await postJson(`${commandApi(stack)}/api/orders`, { customerId: 7, items: [{ productId, quantity: 1 }] })).status,
    ).toBe(201);
    await waitUntilProjected(stack);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  });

  it('no service connection and no walsender of the stack is a superuser', async () => {
    // Every pool busy just now (idle connections close after a while): a write, and a read of the lag.
    await postJson(`${commandApi(stack)}/api/products`, { name: 'Grant 2', category: 'roles', price: 3, stock: 5 });
    expect((await fetch(`${queryApi(stack)}/api/analytics/sync-status`)).status).toBe(200);
    const admin = await connect(stack, 'postgres');
    try {
      const { rows } = await admin.query<{ usename: string; rolsuper: boolean; backend_type: string; application_name: string }>(
        /* sql */ `SELECT a.usename, r.rolsuper, a.backend_type, a.application_name
                     FROM pg_stat_activity a JOIN pg_roles r ON r.rolname = a.usename
                    WHERE a.datname = ANY($1::text[]) AND a.pid <> pg_backend_pid()
                      AND (a.backend_type = 'walsender' OR a.application_name = ANY($2::text[])
                           OR a.application_name ILIKE '%debezium%' OR a.application_name ILIKE '%jdbc%')`,
        [
          [stack.WRITE_DB_NAME, stack.READ_DB_NAME],
          [
            'command-api',
            'projector',
            'projector-reconciler',
            'query-api',
            'query-api-lag',
            'query-api consistency',
            'notifier',
            'notifier-routing',
          ],
        ],
      );
      const byRole = new Map<string, boolean>(rows.map((row) => [row.usename, row.rolsuper]));
      expect(rows.filter((row) => row.rolsuper)).toEqual([]);
      expect([...byRole.keys()].sort()).toEqual([
        'shop_command_api',
        'shop_debezium',
        'shop_notifier',
        'shop_projector',
        'shop_query_api',
      ]);
      expect(rows.filter((row) => row.backend_type === 'walsender').map((row) => row.usename)).toEqual(['shop_debezium']);
    } finally {
      await admin.end();
    }
  });

  it('no role of the stack may run programs, read files or create roles', async () => {
    const admin = await connect(stack, 'postgres');
    try {
      const { rows } = await admin.query(/* sql */ `SELECT r.rolname, r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolbypassrls,
                          pg_has_role(r.oid, 'pg_execute_server_program', 'member') AS programs,
                          pg_has_role(r.oid, 'pg_read_server_files', 'member') AS files
                     FROM pg_roles r WHERE r.rolname LIKE 'shop\\_%' ORDER BY r.rolname`);
      expect(rows.map((row) => row.rolname)).toEqual([
        'shop_command_api',
        'shop_debezium',
        'shop_notifier',
        'shop_owner',
        'shop_projector',
        'shop_query_api',
      ]);
      for (const row of rows) {
        expect(row, row.rolname).toMatchObject({
          rolsuper: false,
          rolcreaterole: false,
          rolcreatedb: false,
          rolbypassrls: false,
          programs: false,
          files: false,
        });
      }
    } finally {
      await admin.end();
    }
  });

  it('the query API role reads the read models and can write none of them, nor the outbox', async () => {
    const read = await open('query-api', stack.READ_DB_NAME);
    expect((await read.query('SELECT count(*)::int AS n FROM read.orders')).rows[0].n).toBeGreaterThan(0);
    expect(
      await attempt(
        read,
        `INSERT INTO read.orders (order_id, customer_id, status, total, placed_at) VALUES (-1, 1, 'placed', 1, now())`,
      ),
    ).toBe(DENIED);
    expect(await attempt(read, 'UPDATE read.products SET stock = 0')).toBe(DENIED);
    expect(await attempt(read, 'DELETE FROM read.dead_letters')).toBe(DENIED);
    expect(await attempt(read, 'DELETE FROM read.inbox')).toBe(DENIED);
    expect(await attempt(read, 'CREATE TABLE read.planted (x int)')).toBe(DENIED);
    expect(await attempt(read, `SELECT pg_notify('read_model_applied', 'forged')`)).toBe('ok'); // harmless: a waiter re-reads
    // Outside a READ WRITE transaction its sessions are read-only.
    await expect(
      read.query(`INSERT INTO operations.requests (kind, requested_by) VALUES ('rebuild', 'x')`),
    ).rejects.toMatchObject({
      code: '25006',
    });
    const write = await open('query-api', stack.WRITE_DB_NAME);
    expect(await attempt(write, 'SELECT count(*) FROM outbox')).toBe('ok');
    expect(await attempt(write, 'DELETE FROM outbox')).toBe(DENIED);
    expect(await attempt(write, 'SELECT * FROM products')).toBe(DENIED);
  });

  it('the query API role runs the projection functions on temporary tables of its own only (time travel): it writes no real table', async () => {
    const read = await open('query-api', stack.READ_DB_NAME);
    // Every table it may write, in every schema of the read database: the console's operation requests only.
    const { rows } = await read.query<{ name: string }>(/* sql */ `SELECT schemaname || '.' || tablename AS name FROM pg_tables
                  WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND schemaname NOT LIKE 'pg\\_temp\\_%'
                    AND schemaname NOT LIKE 'pg\\_toast\\_temp\\_%'
                    AND (has_table_privilege(format('%I.%I', schemaname, tablename), 'UPDATE, DELETE, TRUNCATE')
                         OR (has_table_privilege(format('%I.%I', schemaname, tablename), 'INSERT')
                             AND (schemaname, tablename) <> ('operations', 'requests')))
                  ORDER BY 1`);
    expect(rows).toEqual([]);
    // As the query API's sessions run: unqualified names resolve to the schema read.
    const applyProduct = `SET LOCAL search_path = read; SELECT projection.apply_products(ROW('{}', '{}')::projection.admission, ARRAY[-7], ARRAY['x'],
                                                            ARRAY['x'], ARRAY[1]::numeric[], ARRAY[1], ARRAY[now()])`;
    // On the real read model the function is refused; shadowed by a temporary copy, it writes the copy.
    expect(await attempt(read, applyProduct)).toBe(DENIED);
    expect(await attempt(read, `CREATE TEMPORARY TABLE products (LIKE read.products INCLUDING ALL); ${applyProduct}`)).toBe('ok');
    expect((await read.query('SELECT count(*)::int AS n FROM read.products WHERE product_id = -7')).rows[0].n).toBe(0);
    // Outside a READ WRITE transaction it cannot even make the copy.
    await expect(read.query('CREATE TEMPORARY TABLE products (LIKE read.products)')).rejects.toMatchObject({ code: '25006' });
    // On the write side it reads the event log through its view, and nothing of the archive directly.
    const write = await open('query-api', stack.WRITE_DB_NAME);
    expect(await attempt(write, 'SELECT count(*) FROM outbox_history')).toBe('ok');
    expect(await attempt(write, 'SELECT count(*) FROM outbox_archive.events')).toBe(DENIED);
  });

  it('the projector role cannot touch the business tables or write the outbox', async () => {
    const write = await open('projector', stack.WRITE_DB_NAME);
    expect(await attempt(write, 'SELECT count(*) FROM outbox_history')).toBe('ok');
    expect(await attempt(write, 'UPDATE products SET stock = 0')).toBe(DENIED);
    expect(await attempt(write, 'SELECT * FROM orders')).toBe(DENIED);
    expect(await attempt(write, 'DELETE FROM outbox')).toBe(DENIED);
    expect(await attempt(write, 'UPDATE outbox SET payload = $1::jsonb', ['{}'])).toBe(DENIED);
    expect(await attempt(write, FORGED_OUTBOX_ROW)).toBe(DENIED);
    expect(await attempt(write, 'SELECT outbox_create_partitions(interval $$1 day$$, now())')).toBe(DENIED);
    // It reads the shard routing; only the owner changes it (npm run shards).
    expect(await attempt(write, 'SELECT count(*) FROM outbox_routing')).toBe('ok');
    expect(await attempt(write, 'UPDATE outbox_routing SET drained_at = now()')).toBe(DENIED);
    expect(await attempt(write, 'SELECT outbox_switch_routing(64)')).toBe(DENIED);
    expect(await attempt(write, 'SELECT outbox_mark_drained(0)')).toBe(DENIED);
  });

  it('the notifier role owns its schema in the read database, reads only the routing and the log of the write side (and asks Debezium for a re-publish)', async () => {
    const read = await open('notifier', stack.READ_DB_NAME);
    expect(await attempt(read, 'SELECT count(*) FROM notifier.inbox')).toBe('ok');
    expect(await attempt(read, 'CREATE TABLE notifier.planted (x int)')).toBe('ok');
    expect(await attempt(read, 'SELECT count(*) FROM read.inbox')).toBe(DENIED);
    expect(await attempt(read, 'SELECT count(*) FROM read.orders')).toBe(DENIED);
    expect(await attempt(read, 'CREATE SCHEMA planted')).toBe(DENIED);
    const write = await open('notifier', stack.WRITE_DB_NAME);
    expect(await attempt(write, 'SELECT count(*) FROM outbox_routing')).toBe('ok');
    expect(await attempt(write, 'SELECT count(*) FROM outbox_history')).toBe('ok');
    // Its audit follows the live outbox's high-water mark; npm run notifier:heal signals Debezium (migration 014).
    expect(await attempt(write, 'SELECT max(position) FROM outbox')).toBe('ok');
    expect(await attempt(write, 'DELETE FROM debezium_signal')).toBe(DENIED);
    expect(await attempt(write, 'SELECT * FROM orders')).toBe(DENIED);
    expect(await attempt(write, FORGED_OUTBOX_ROW)).toBe(DENIED);
    expect(await attempt(write, 'UPDATE outbox_routing SET drained_at = now()')).toBe(DENIED);
    // Nor may the projector touch the notifier's inbox. The query API reads where each event stands
    // (sync-status' `notifier`, notifier migration 002), never a notification's body, and writes nothing.
    expect(await attempt(await open('projector', stack.READ_DB_NAME), 'SELECT count(*) FROM notifier.inbox')).toBe(DENIED);
    const queryApi = await open('query-api', stack.READ_DB_NAME);
    expect(await attempt(queryApi, "SELECT count(*) FROM notifier.inbox WHERE state = 'delivered'")).toBe('ok');
    expect(await attempt(queryApi, 'SELECT checked_through FROM notifier.audit')).toBe('ok');
    expect(await attempt(queryApi, 'SELECT body FROM notifier.inbox')).toBe(DENIED);
    expect(await attempt(queryApi, 'SELECT * FROM notifier.inbox')).toBe(DENIED);
    expect(await attempt(queryApi, 'DELETE FROM notifier.missing_events')).toBe(DENIED);
  });

  it('Debezium cannot write the outbox or read the business tables', async () => {
    const write = await open('debezium', stack.WRITE_DB_NAME);
    expect(await attempt(write, 'SELECT count(*) FROM outbox')).toBe('ok');
    expect(await attempt(write, FORGED_OUTBOX_ROW)).toBe(DENIED);
    expect(await attempt(write, 'DELETE FROM outbox')).toBe(DENIED);
    expect(await attempt(write, 'SELECT * FROM products')).toBe(DENIED);
    expect(await attempt(write, 'SELECT * FROM idempotency_keys')).toBe(DENIED);
    expect(await attempt(write, 'SELECT * FROM orders')).toBe(DENIED);
  });

  it('the command API role appends to the outbox but cannot read, change or delete it, nor reach the read side', async () => {
    const write = await open('command-api', stack.WRITE_DB_NAME);
    expect(await attempt(write, 'SELECT count(*) FROM products')).toBe('ok');
    expect(await attempt(write, 'SELECT * FROM outbox')).toBe(DENIED);
    expect(await attempt(write, 'UPDATE outbox SET payload = $1::jsonb', ['{}'])).toBe(DENIED);
    expect(await attempt(write, 'DELETE FROM outbox')).toBe(DENIED);
    expect(await attempt(write, 'DROP TABLE outbox')).toBe(DENIED);
    expect(await attempt(write, `SELECT ensure_outbox_publication('p', $1)`, [stack.DEBEZIUM_SIGNAL_TABLE])).toBe(DENIED);
    expect(await attempt(write, 'INSERT INTO outbox_routing (since_position, shard_count) VALUES (1e12, 64)')).toBe(DENIED);
    expect(await attempt(write, 'SELECT outbox_switch_routing(64)')).toBe(DENIED);
    await expect(as('command-api', stack.READ_DB_NAME)).rejects.toMatchObject({ code: DENIED });
    // Nor may the write side's owner, which runs only the write side's migrations.
    await expect(as('owner', stack.READ_DB_NAME)).rejects.toMatchObject({ code: DENIED });
  });

  it("no secret of the stack is in any of its logs (Postgres, RabbitMQ, Debezium, the services, the set-up's)", async () => {
    const logs = join(stack.stackDir, 'logs');
    const files = readdirSync(logs);
    expect(files).toEqual(
      expect.arrayContaining(['postgres.log', 'debezium-server.log', 'command-api.log', 'migrate-write.log']),
    );
    for (const file of files) {
      const text = readFileSync(join(logs, file), 'utf8');
      for (const name of SECRET_SETTINGS) expect(text.includes(stack[name]), `${name} in ${file}`).toBe(false);
    }
  });

  it('a rebuild run as the projector keeps the query API able to read every read model', async () => {
    const writePool = createPool(postgresUrl(dbLogin(stack, 'projector'), stack.WRITE_DB_NAME), 2, 'grants-rebuild');
    const readPool = createPool(postgresUrl(dbLogin(stack, 'projector'), stack.READ_DB_NAME), 2, 'grants-rebuild', 'read');
    try {
      const progress = { start: () => undefined, advance: () => undefined, stop: () => undefined };
      await rebuildReadModels({ reader: { shopCurrency: 'USD' }, write: writePool, read: readPool, chunkSize: 50, progress });
    } finally {
      await writePool.end();
      await readPool.end();
    }
    const read = await open('query-api', stack.READ_DB_NAME);
    const { rows } = await read.query<{ tablename: string }>(
      `SELECT tablename FROM pg_tables WHERE schemaname = 'read' ORDER BY 1`,
    );
    expect(rows.length).toBeGreaterThan(5);
    for (const { tablename } of rows) {
      expect(await attempt(read, `SELECT 1 FROM read.${read.escapeIdentifier(tablename)} LIMIT 1`), tablename).toBe('ok');
      expect(await attempt(read, `DELETE FROM read.${read.escapeIdentifier(tablename)}`), tablename).toBe(DENIED);
    }
    const res = await fetch(`${queryApi(stack)}/api/products/${productId}`);
    expect(res.status).toBe(200);
  });
});

describe('least privilege on the broker: one user per component, no guest, bounded messages', () => {
  const names = { exchange: stack.EVENTS_EXCHANGE, queue: stack.PROJECTOR_QUEUE };
  const url = (user: string, password: string) => rabbitUrl({ ...stack, RABBITMQ_USER: user, RABBITMQ_PASSWORD: password });
  const brokerUrl = (login: BrokerLogin) => url(BROKER_USERS[login], stack[BROKER_PASSWORD_SETTINGS[login]]);

  /** 'ok', or the AMQP reply code the broker closed the channel (or refused the login) with. */
  async function tryOn(login: BrokerLogin, work: (channel: amqp.ConfirmChannel) => Promise<unknown>): Promise<string> {
    const connection = await amqp.connect(brokerUrl(login));
    connection.on('error', () => undefined);
    try {
      const channel = await connection.createConfirmChannel();
      const closed = new Promise<string>((resolve) => channel.on('error', (err: { code?: number }) => resolve(String(err.code))));
      channel.on('close', () => undefined);
      const done = work(channel).then(
        () => 'ok',
        () => closed,
      );
      return await Promise.race([done, closed]);
    } finally {
      await connection.close().catch(() => undefined);
    }
  }
  const publish = (exchange: string, key: string, body: Buffer) => (channel: amqp.ConfirmChannel) =>
    new Promise<void>((resolve, reject) => channel.publish(exchange, key, body, {}, (err) => (err ? reject(err) : resolve())));
  const ACCESS_REFUSED = '403';

  it('has no guest user, and refuses a wrong password', async () => {
    await expect(amqp.connect(url('guest', 'guest'))).rejects.toThrow(/ACCESS_REFUSED|403/);
    await expect(amqp.connect(url(BROKER_USERS.projector, 'not-its-password'))).rejects.toThrow(/ACCESS_REFUSED|403/);
  });

  it('Debezium may publish outbox events to the exchange and nothing else', async () => {
    expect(await tryOn('debezium', publish(names.exchange, 'outbox.event.order.99', Buffer.from('{}')))).toBe('ok');
    expect(await tryOn('debezium', publish(deadLetterExchangeOf(names), '', Buffer.from('{}')))).toBe(ACCESS_REFUSED);
    expect(await tryOn('debezium', (ch) => ch.get(shardQueueOf(names, 0)))).toBe(ACCESS_REFUSED);
    expect(await tryOn('debezium', (ch) => ch.assertQueue('planted-by-debezium'))).toBe(ACCESS_REFUSED);
  });

  it('a projector consumes its queues and dead-letters, but cannot publish an event', async () => {
    expect(await tryOn('projector', publish(names.exchange, 'outbox.event.order.1', Buffer.from('{}')))).toBe(ACCESS_REFUSED);
    expect(await tryOn('projector', (ch) => ch.assertQueue('planted-by-projector'))).toBe(ACCESS_REFUSED);
    expect(await tryOn('projector', (ch) => ch.checkQueue(deadLetterQueueOf(names)))).toBe('ok');
  });

  it("the query API's console reads dead letters and re-drives them, but cannot consume a shard queue", async () => {
    expect(await tryOn('query-api', (ch) => ch.get(shardQueueOf(names, 0)))).toBe(ACCESS_REFUSED);
    expect(await tryOn('query-api', publish(names.exchange, 'planted.key', Buffer.from('{}')))).toBe(ACCESS_REFUSED);
    expect(await tryOn('query-api', (ch) => ch.assertQueue('planted-by-console'))).toBe(ACCESS_REFUSED);
  });

  it("the notifier consumes its own queues only, and cannot publish an event or touch the projector's queues", async () => {
    const own = notifierTopologyNames(stack.EVENTS_EXCHANGE, stack.NOTIFIER_QUEUE);
    expect(await tryOn('notifier', (ch) => ch.checkQueue(shardQueueOf(own, 0)))).toBe('ok');
    expect(await tryOn('notifier', (ch) => ch.checkQueue(deadLetterQueueOf(own)))).toBe('ok');
    expect(await tryOn('notifier', publish(deadLetterExchangeOf(own), '', Buffer.from('{}')))).toBe('ok');
    expect(await tryOn('notifier', publish(names.exchange, 'outbox.event.order.1', Buffer.from('{}')))).toBe(ACCESS_REFUSED);
    expect(await tryOn('notifier', publish(deadLetterExchangeOf(names), '', Buffer.from('{}')))).toBe(ACCESS_REFUSED);
    expect(await tryOn('notifier', (ch) => ch.get(shardQueueOf(names, 0)))).toBe(ACCESS_REFUSED);
    expect(await tryOn('notifier', (ch) => ch.get(deadLetterQueueOf(names)))).toBe(ACCESS_REFUSED);
    expect(await tryOn('notifier', (ch) => ch.assertQueue('planted-by-notifier'))).toBe(ACCESS_REFUSED);
    expect(await tryOn('projector', (ch) => ch.get(shardQueueOf(own, 0)))).toBe(ACCESS_REFUSED);
  });

  it('refuses a message above the size limit', async () => {
    const big = Buffer.alloc(MAX_MESSAGE_BYTES + 1, 0x20);
    expect(await tryOn('admin', publish(names.exchange, 'outbox.event.order.98', big))).not.toBe('ok');
    expect(await tryOn('admin', publish(names.exchange, 'outbox.event.order.98', Buffer.alloc(1000, 0x20)))).toBe('ok');
  });
});
