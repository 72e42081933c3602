// The operator console's page: renders the snapshots the query API streams (/console/api/stream),
// lists dead letters on demand and re-drives them, and asks for a rebuild or a reconcile, with the
// admin token; shows an order's or a product's event history and either as it was after each event
// (the read API's /events and ?asOf=, public like the rest of /api). No framework, no build:
// plain DOM and uPlot (served by the query API from its own node_modules).
'use strict';

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = 'console-admin-token';
let lastDeadLetterCount = null;
let readOnly = true;
const charts = {};

function fmtNumber(n) {
  return n === null || n === undefined ? '–' : Number(n).toLocaleString('en');
}

function fmtSeconds(s) {
  if (s === null || s === undefined) return '–';
  return s < 10 ? `${s.toFixed(2)} s` : `${Math.round(s).toLocaleString('en')} s`;
}

function fmtBytes(b) {
  if (b === null || b === undefined) return '–';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (b >= 1024 && i < units.length - 1) {
    b /= 1024;
    i++;
  }
  return `${b.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** Replaces a table body's rows; every cell is text (never HTML from the server). */
function fillRows(tbody, rows) {
  tbody.replaceChildren(
    ...rows.map((cells) => {
      const tr = document.createElement('tr');
      for (const cell of cells) {
        const td = document.createElement('td');
        if (cell instanceof Node) td.append(cell);
        else td.textContent = cell === null || cell === undefined ? '–' : String(cell);
        if (typeof cell === 'number') td.className = 'num';
        tr.append(td);
      }
      return tr;
    }),
  );
}

function code(text) {
  const el = document.createElement('code');
  el.textContent = text ?? '–';
  return el;
}

function health(snapshot) {
  const s = snapshot.status;
  const down = s.unreachable.length > 0 || s.debezium.active === false || snapshot.projectors.some((p) => !p.reachable);
  const untrusted = (s.unknown ?? 0) > 0;
  const notifierMissing = (s.notifier?.missing ?? 0) > 0;
  if (down || untrusted || notifierMissing || (s.missing ?? 0) > 0 || (snapshot.queues.deadLetters.ready ?? 0) > 0)
    return ['problem', 'needs attention'];
  if ((s.lagSeconds ?? 0) >= 1) return ['behind', `behind ${fmtSeconds(s.lagSeconds)}`];
  return ['ok', 'caught up'];
}

function render(snapshot) {
  const s = snapshot.status;
  const [kind, text] = health(snapshot);
  $('health').className = `badge ${kind}`;
  $('health').textContent = text;
  $('updated').textContent = `updated ${new Date(snapshot.at).toLocaleTimeString()}`;
  readOnly = snapshot.readOnly;
  $('mode').textContent = readOnly ? 'read-only (no CONSOLE_ADMIN_TOKEN configured)' : '';
  for (const id of ['redrive-all', 'admin-token', 'run-reconcile', 'run-rebuild']) $(id).disabled = readOnly;

  $('lag').textContent = fmtSeconds(s.lagSeconds);
  $('behind').textContent = fmtNumber(s.eventsBehind);
  $('missing').textContent = fmtNumber(s.missing);
  $('unknown').textContent = fmtNumber(s.unknown);
  const dlq = snapshot.queues.deadLetters.ready;
  $('dlq-count').textContent = fmtNumber(dlq);
  if (dlq !== lastDeadLetterCount) {
    lastDeadLetterCount = dlq;
    void listDeadLetters();
  }

  const d = s.debezium;
  const unsettled = unsettledByShard(snapshot.projectors);
  fillRows($('hops').tBodies[0], [
    ['write database: WAL written', code(d.currentWalLsn), ''],
    [
      'replication slot: confirmed',
      code(d.confirmedFlushLsn),
      `${d.slot}, ${d.active === null ? 'unknown' : d.active ? 'active' : 'INACTIVE'}; holds ${fmtBytes(d.lagBytes)}`,
    ],
    [
      'Debezium: streaming instance',
      code(d.activeInstance),
      `${d.activeSince ? `holds the slot's lease since ${new Date(d.activeSince).toLocaleTimeString()}` : 'no instance holds the lease'}; standby: ${d.standbyInstances.join(', ') || '–'}`,
    ],
    ['Debezium: stored offset', code(d.offsetLsn), d.offsetTime ? `at ${new Date(d.offsetTime).toLocaleTimeString()}` : ''],
    [
      'shard queues: waiting',
      fmtNumber(sum(snapshot.queues.shards.map((q) => q.ready))),
      `ready; ${fmtNumber(sum([...unsettled.values()]))} delivered, not yet acked`,
    ],
    [
      'projector: applied',
      fmtNumber(s.projector.processed),
      `last ${s.projector.lastEventId ?? '–'} (${s.lastProcessedEventTimestamp ?? '–'})`,
    ],
    [
      'reconciler: missing',
      fmtNumber(s.missing),
      `committed longer ago than the grace period, neither projected nor parked; ${fmtNumber(s.unknown)} unknown (applied, not in the outbox log)`,
    ],
  ]);
  const states = stateByShard(snapshot.projectors);
  fillRows(
    $('shards').tBodies[0],
    snapshot.queues.shards.map((q) => [
      q.shard,
      q.ready,
      unsettled.get(q.shard) ?? 0,
      q.consumers,
      states.get(q.shard) ?? 'no consumer here',
    ]),
  );
  renderNotifier(s.notifier, snapshot.notifierQueues);
  renderOperations(snapshot.operations);
  renderProjectors(snapshot.projectors);
  renderCharts(snapshot.history);
}

/** The notifier, beside the projector: its lag and missing (sync-status), its own queues' depths. */
function renderNotifier(n, queues) {
  $('notifier-lag').textContent = fmtSeconds(n.lagSeconds);
  $('notifier-behind').textContent = fmtNumber(n.eventsBehind);
  $('notifier-missing').textContent = fmtNumber(n.missing);
  // Table mode (no webhook) records instead of delivering: both are settled notifications.
  $('notifier-delivered').textContent = n.recorded
    ? `${fmtNumber(n.delivered)} + ${fmtNumber(n.recorded)} recorded`
    : fmtNumber(n.delivered);
  $('notifier-parked').textContent = fmtNumber(n.parked);
  fillRows($('notifier-shards').tBodies[0], [
    ...queues.shards.map((q) => [`shard ${q.shard}`, q.ready, q.consumers]),
    ['dead letters', queues.deadLetters.ready, queues.deadLetters.consumers],
  ]);
}

function sum(values) {
  return values.some((v) => v === null) ? null : values.reduce((a, b) => a + b, 0);
}

function unsettledByShard(projectors) {
  const m = new Map();
  for (const p of projectors)
    for (const [shard, st] of Object.entries(p.shards)) m.set(Number(shard), (m.get(Number(shard)) ?? 0) + st.unsettled);
  return m;
}

function stateByShard(projectors) {
  const m = new Map();
  for (const p of projectors)
    for (const [shard, st] of Object.entries(p.shards)) m.set(Number(shard), `${st.state} (${new URL(p.url).host})`);
  return m;
}

const OPERATION_NAMES = { reconcile: 'reconcile', rebuild: 'rebuild read models' };

function renderOperations(operations) {
  fillRows(
    $('operations').tBodies[0],
    Object.entries(OPERATION_NAMES).map(([kind, name]) => {
      const op = operations[kind];
      if (!op) return [name, 'never run', '', '', ''];
      return [
        name,
        op.state,
        progressCell(op),
        `${new Date(op.requestedAt).toLocaleTimeString()} by ${op.requestedBy}`,
        outcome(op),
      ];
    }),
  );
  for (const row of $('operations').tBodies[0].rows) row.cells[1].dataset.state = row.cells[1].textContent;
}

/** A bar while the operation counts (a rebuild's events), its phase in words either way. */
function progressCell(op) {
  const cell = document.createElement('span');
  if (op.total !== null && op.total > 0) {
    const bar = document.createElement('progress');
    bar.max = op.total;
    bar.value = op.done ?? 0;
    cell.append(bar, ` ${fmtNumber(op.done)} / ${fmtNumber(op.total)} `);
  }
  cell.append(op.state === 'running' || op.state === 'requested' ? (op.phase ?? 'waiting for a projector') : '');
  return cell;
}

function outcome(op) {
  if (op.state === 'failed') return `failed: ${op.error}`;
  if (op.state !== 'succeeded') return '';
  const r = op.result ?? {};
  const took =
    op.startedAt && op.finishedAt ? ` in ${((Date.parse(op.finishedAt) - Date.parse(op.startedAt)) / 1000).toFixed(1)} s` : '';
  if (op.kind === 'rebuild')
    return `rebuilt from ${fmtNumber(r.events)} events (${fmtNumber(r.applied)} applied)${took}${historyNote(r.history)}`;
  const unknown = r.unknown > 0 ? `; ${fmtNumber(r.unknown)} applied events not in the outbox log (unknown)` : '';
  return `audited ${fmtNumber(r.eventsAudited)} new events, ${fmtNumber(r.missing)} missing, ${fmtNumber(r.healRequested)} asked again${took}${unknown}`;
}

/** What history a rebuild replayed: the archived partitions with the live outbox (docs/retention.md). */
function historyNote(h) {
  if (!h) return '';
  const archived =
    h.archivedPartitions > 0 ? `, ${fmtNumber(h.archivedEvents)} of them from ${h.archivedPartitions} archived partitions` : '';
  const dropped = h.dropped?.length ? `; left out: ${h.dropped.join(', ')} (dropped)` : '';
  return `${archived}${dropped}`;
}

async function requestOperation(kind) {
  const res = await fetch('/console/api/operations', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...adminHeader() },
    body: JSON.stringify({ kind }),
  });
  const answer = await res.json();
  const el = $('operation-result');
  el.className = res.ok ? 'muted' : 'error';
  el.textContent = res.ok
    ? `${OPERATION_NAMES[kind]} requested (operation ${answer.id})`
    : `refused (${res.status}): ${answer.message}`;
}

function adminHeader() {
  const token = $('admin-token').value.trim();
  sessionStorage.setItem(TOKEN_KEY, token);
  return token ? { authorization: `Bearer ${token}` } : {};
}

function renderProjectors(projectors) {
  $('projectors').replaceChildren(
    ...projectors.map((p) => {
      const li = document.createElement('li');
      li.textContent = p.reachable
        ? `${p.url}: ${p.status}, ${Object.keys(p.shards).length} shards${p.problems.length ? ` (${p.problems.join('; ')})` : ''}`
        : `${p.url}: not reachable`;
      if (!p.reachable || p.status !== 'ok') li.className = 'error';
      return li;
    }),
  );
}

function chart(id, series, data) {
  const el = $(id);
  const width = Math.max(260, el.clientWidth - 8);
  if (!charts[id]) {
    // One y axis per scale: the lag chart's second series counts events, not seconds.
    const extra = series.filter((s) => s.scale).map((s) => ({ scale: s.scale, side: 1, size: 60, grid: { show: false } }));
    charts[id] = new uPlot(
      {
        width,
        height: 180,
        series: [{}, ...series],
        axes: [{}, { size: 60 }, ...extra],
        // At least the last minute on the time axis: a handful of readings must not stretch to years.
        scales: { x: { time: true, range: (_u, min, max) => [Math.min(min, max - 60), max] } },
        legend: { show: true },
      },
      data,
      el,
    );
  } else {
    if (Math.abs(charts[id].width - width) > 4) charts[id].setSize({ width, height: 180 });
    charts[id].setData(data);
  }
}

function renderCharts(h) {
  const x = h.at.map((t) => t / 1000);
  chart(
    'chart-lag',
    [
      { label: 'lag s', stroke: '#b3261e', width: 2 },
      { label: 'events behind', stroke: '#2f5fb3', width: 1, scale: 'events' },
    ],
    [x, h.lagSeconds, h.eventsBehind],
  );
  chart('chart-rate', [{ label: 'applied/s', stroke: '#1f7a44', width: 2 }], [x, h.appliedPerSecond]);
}

// The list needs the admin token (the letters carry the events' bodies); without one typed in, the
// table stays as it is.
async function listDeadLetters() {
  if (readOnly) return showResult('dead letters are listed with the admin token (none configured: npm run dlq -- list)', false);
  if (!$('admin-token').value.trim()) return showResult('type the admin token to list the dead letters', false);
  const res = await fetch('/console/api/dead-letters', { headers: adminHeader() });
  const body = await res.json();
  if (!res.ok) return showResult(`could not list dead letters (${res.status}): ${body.message}`, true);
  fillRows(
    $('dlq').tBodies[0],
    body.items.map((l) => [
      l.deadLetteredAt ? new Date(l.deadLetteredAt).toLocaleString() : '–',
      `${l.eventType ?? '?'} ${l.eventId ?? '(no id)'}`,
      l.reason,
      actionsOf(l),
    ]),
  );
}

/** A dead letter's buttons: its re-drive, and its aggregate's history when the body names it. */
function actionsOf(letter) {
  const span = document.createElement('span');
  span.append(redriveButton(letter.eventId));
  const aggregate = aggregateOf(letter);
  if (aggregate) span.append(' ', historyButton(aggregate.kind, aggregate.id));
  return span;
}

/** An event's aggregate from its type and the id its payload starts with (the body may be cut short). */
function aggregateOf(letter) {
  const kind = /^Order/.test(letter.eventType ?? '') ? 'orders' : /^Product/.test(letter.eventType ?? '') ? 'products' : null;
  if (!kind) return null;
  const m = new RegExp(`"${kind === 'orders' ? 'orderId' : 'productId'}"\\s*:\\s*(\\d+)`).exec(letter.body ?? '');
  return m ? { kind, id: m[1] } : null;
}

function historyButton(kind, id) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = 'History';
  b.addEventListener('click', () => {
    $('history-kind').value = kind;
    $('history-id').value = id;
    void showHistory(0);
    $('history-title').scrollIntoView();
  });
  return b;
}

// The history of the aggregate in the lookup box, a page at a time; each event's row can show the
// aggregate as it was right after it (?asOf= its occurred-at, to the microsecond).
let historyNext = null;

async function showHistory(after) {
  const kind = $('history-kind').value;
  const id = $('history-id').value.trim();
  const what = `${kind === 'orders' ? 'order' : 'product'} ${id}`;
  $('history-as-of').hidden = true;
  const res = await fetch(`/api/${kind}/${encodeURIComponent(id)}/events?after=${after}&limit=50`);
  const body = await res.json();
  if (!res.ok) {
    $('history-result').textContent = res.status === 404 ? `${what}: no events` : `${what}: ${body.message} (${res.status})`;
    $('history-result').className = res.status === 404 ? 'muted' : 'error';
    if (after === 0) fillRows($('history').tBodies[0], []);
    $('history-more').hidden = true;
    return;
  }
  $('history-result').textContent = `${what}: events after position ${after}`;
  $('history-result').className = 'muted';
  fillRows(
    $('history').tBodies[0],
    body.events.map((e) => [
      e.position,
      `${e.type} v${e.schemaVersion} ${e.eventId}`,
      e.occurredAt,
      e.reason ? `${e.state}: ${e.reason}` : e.state,
      asOfButton(kind, id, e.occurredAt),
    ]),
  );
  historyNext = body.next;
  $('history-more').hidden = historyNext === null;
}

function asOfButton(kind, id, at) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = 'State then';
  b.addEventListener('click', async () => {
    const res = await fetch(`/api/${kind}/${encodeURIComponent(id)}?asOf=${encodeURIComponent(at)}`);
    $('history-as-of').textContent = `as of ${at} (${res.status}):\n${JSON.stringify(await res.json(), null, 2)}`;
    $('history-as-of').hidden = false;
  });
  return b;
}

function redriveButton(eventId) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = 'Re-drive';
  b.disabled = readOnly || !eventId;
  b.addEventListener('click', () => void redrive({ ids: [eventId] }));
  return b;
}

function showResult(text, isError) {
  $('action-result').textContent = text;
  $('action-result').className = isError ? 'error' : 'muted';
}

async function redrive(body) {
  const res = await fetch('/console/api/dead-letters/redrive', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...adminHeader() },
    body: JSON.stringify(body),
  });
  const answer = await res.json();
  if (!res.ok) return showResult(`refused (${res.status}): ${answer.message}`, true);
  showResult(`re-drove ${answer.redriven} of ${answer.of} dead letters`, false);
  await listDeadLetters();
}

function connect() {
  const stream = new EventSource('/console/api/stream');
  stream.onmessage = (e) => render(JSON.parse(e.data));
  stream.onerror = () => {
    $('health').className = 'badge problem';
    // Closed for good when refused (503: as many consoles are open as the query API serves).
    $('health').textContent = stream.readyState === EventSource.CLOSED ? 'disconnected: reload later' : 'reconnecting…';
  };
}

$('admin-token').value = sessionStorage.getItem(TOKEN_KEY) ?? '';
$('dlq-refresh').addEventListener('click', () => void listDeadLetters());
$('admin-token').addEventListener('change', () => void listDeadLetters());
$('redrive-all').addEventListener('click', () => void redrive({ all: true }));
$('run-reconcile').addEventListener('click', () => void requestOperation('reconcile'));
$('run-rebuild').addEventListener('click', () => void requestOperation('rebuild'));
$('history-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void showHistory(0);
});
$('history-more').addEventListener('click', () => void showHistory(historyNext));
connect();
