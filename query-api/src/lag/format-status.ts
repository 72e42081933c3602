import type { SyncStatus } from './schemas.ts';

export interface LagLimits {
  maxLagSeconds: number;
  maxLagBytes?: number | undefined;
}

/** What is wrong, as lines; empty when the pipeline is healthy within the limits. */
export function verdict(status: SyncStatus, limits: LagLimits): string[] {
  const problems = status.unreachable.map((part) => `${part} unreachable`);
  if (status.debezium.active === false)
    problems.push(`replication slot ${status.debezium.slot} is not active (is Debezium Server running?)`);
  if (status.missing !== null && status.missing > 0) {
    problems.push(`${status.missing} events missing: committed, neither projected nor parked (npm run reconcile heals them)`);
  }
  if (status.unknown !== null && status.unknown > 0) {
    problems.push(
      `${status.unknown} applied ${status.unknown === 1 ? 'event is' : 'events are'} not in the outbox log (unknown): forged, or not published by Debezium (npm run rebuild recomputes the read models without them)`,
    );
  }
  if (status.lagSeconds !== null && status.lagSeconds > limits.maxLagSeconds) {
    problems.push(`lag ${status.lagSeconds.toFixed(1)} s exceeds ${limits.maxLagSeconds} s`);
  }
  const n = status.notifier;
  if (n.missing !== null && n.missing > 0) {
    problems.push(
      `${n.missing} events missing from the notifier: committed, never settled in its inbox (notifier/README.md, "Lag and missing events")`,
    );
  }
  if (n.lagSeconds !== null && n.lagSeconds > limits.maxLagSeconds) {
    problems.push(`notifier lag ${n.lagSeconds.toFixed(1)} s exceeds ${limits.maxLagSeconds} s`);
  }
  if (limits.maxLagBytes !== undefined && status.debezium.lagBytes !== null && status.debezium.lagBytes > limits.maxLagBytes) {
    problems.push(`slot lag ${bytes(status.debezium.lagBytes)} exceeds ${bytes(limits.maxLagBytes)}`);
  }
  return problems;
}

export function formatStatus(status: SyncStatus, problems: string[]): string {
  const d = status.debezium;
  const p = status.projector;
  const behind =
    status.eventsBehind === null
      ? 'unknown'
      : status.eventsBehind === 0
        ? 'caught up'
        : `${status.eventsBehind} events behind, oldest ${status.lagSeconds?.toFixed(1)} s old`;
  const lines = [
    `pipeline         ${behind}`,
    `missing          ${status.missing ?? '-'}`,
    `unknown          ${status.unknown ?? '-'}`,
    `last projected   ${status.lastProcessedEventTimestamp ?? '-'}`,
    `slot             ${d.slot} ${d.active === null ? 'unknown' : d.active ? 'active' : 'INACTIVE'}, confirmed ${d.confirmedFlushLsn ?? '-'}, current ${d.currentWalLsn ?? '-'}, lag ${d.lagBytes === null ? '-' : bytes(d.lagBytes)}`,
    `debezium offset  ${d.offsetLsn ?? '-'} at ${d.offsetTime ?? '-'}`,
    `debezium active  ${d.activeInstance ?? '-'}${d.activeSince ? ` since ${d.activeSince}` : ''}, standby ${d.standbyInstances.join(', ') || '-'}`,
    `projector        ${p.processed ?? '-'} processed, ${p.deadLettered ?? '-'} dead-lettered, last event ${p.lastEventId ?? '-'}`,
    `notifier         ${notifierLine(status.notifier)}`,
    problems.length === 0 ? 'status           OK' : `status           PROBLEM: ${problems.join('; ')}`,
  ];
  return lines.join('\n');
}

function notifierLine(n: SyncStatus['notifier']): string {
  const behind =
    n.eventsBehind === null
      ? 'unknown'
      : n.eventsBehind === 0
        ? 'caught up'
        : `${n.eventsBehind} events behind, oldest ${n.lagSeconds?.toFixed(1)} s old`;
  return `${behind}, missing ${n.missing ?? '-'}, ${n.delivered ?? '-'} delivered, ${n.parked ?? '-'} parked, ${n.recorded ?? '-'} recorded, last event at ${n.lastEventAt ?? '-'}`;
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1024 ** 2).toFixed(1)} MB`;
}
