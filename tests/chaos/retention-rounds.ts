import type pg from 'pg';
import { createLogger } from '@shop/shared/log';
import { retentionPolicy } from '../../projector/src/retention/policy.ts';
import { runRetentionRound } from '../../projector/src/retention/retention-round.ts';

export interface RetentionFigures {
  rounds: number;
  failedRounds: number;
  archivedPartitions: number;
  archivedEvents: number;
  prunedThrough: number;
  pruned: number;
}

/**
 * Retention all through a chaos run, as the projector runs it but every `everyMs` and with no age
 * (a partition is archived as soon as its range ended and the reconciler has checked it): the
 * faults hit a pipeline whose outbox partitions are being detached and whose inbox is being pruned.
 */
export function startRetentionRounds(
  pools: { write: pg.Pool; read: pg.Pool },
  everyMs: number,
  log: (line: string) => void,
): { stop(): Promise<RetentionFigures>; roundNow(): Promise<void>; figures(): RetentionFigures } {
  const figures: RetentionFigures = {
    rounds: 0,
    failedRounds: 0,
    archivedPartitions: 0,
    archivedEvents: 0,
    prunedThrough: 0,
    pruned: 0,
  };
  const quiet = createLogger('chaos-retention', 'silent');
  let running: Promise<void> = Promise.resolve();
  const round = async () => {
    try {
      const report = await runRetentionRound(pools, retentionPolicy(0), quiet);
      figures.rounds++;
      figures.archivedPartitions += report.archived.length;
      figures.archivedEvents += report.archived.reduce((sum, p) => sum + p.events, 0);
      figures.prunedThrough = report.prunedThrough;
      figures.pruned += report.pruned;
      if (report.archived.length > 0)
        log(
          `retention: archived ${report.archived.map((p) => `${p.name} (${p.events})`).join(', ')}; inbox pruned through ${report.prunedThrough}`,
        );
    } catch (err) {
      // A fault may take the database away mid-round: the round is tried again, as the projector does.
      figures.failedRounds++;
      log(`retention round failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const timer = setInterval(() => (running = running.then(round)), everyMs);
  timer.unref(); // a run that fails midway does not keep the process alive
  return {
    roundNow: () => (running = running.then(round)),
    figures: () => ({ ...figures }),
    stop: async () => {
      clearInterval(timer);
      await running;
      return figures;
    },
  };
}
