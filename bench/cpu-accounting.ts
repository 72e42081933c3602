import { readdirSync, readFileSync } from 'node:fs';
import type pg from 'pg';
import { procStat } from '../infra/src/native/processes.ts';

/** CPU seconds per process group, from /proc: the profile behind the throughput figures. */
export interface CpuShare {
  process: string;
  /** Share of one core over the window (1 = one core busy). */
  cores: number;
}

/** Clock ticks per second of /proc's CPU times (USER_HZ). */
export const TICKS_PER_SECOND = 100;

/**
 * Starts counting CPU by process: Postgres backends named by their application (from
 * pg_stat_activity), our Node services and the JVM by their entry, the rest by command name.
 * `stop()` returns each group's share of a core over the window, plus what processes that ended
 * meanwhile used (pgbench and its backends), from the machine's total.
 */
export async function startCpuAccounting(db: pg.Pool): Promise<{ stop(): Promise<CpuShare[]> }> {
  const names = await backendNames(db);
  const before = ticksByProcess();
  const machineBefore = machineTicks();
  const started = performance.now();
  return {
    async stop() {
      const seconds = (performance.now() - started) / 1000;
      // Backends opened during the window are named too (a pool opens connections on demand).
      for (const [pid, name] of await backendNames(db)) names.set(pid, name);
      const used = new Map<string, number>();
      for (const [pid, { comm, ticks }] of ticksByProcess()) {
        const group = names.get(pid) ?? groupOf(comm, pid);
        used.set(group, (used.get(group) ?? 0) + ticks - (before.get(pid)?.ticks ?? 0));
      }
      const shares = [...used]
        .map(([group, ticks]) => ({ process: group, cores: ticks / TICKS_PER_SECOND / seconds }))
        .filter((s) => s.cores >= 0.01);
      const seen = shares.reduce((sum, s) => sum + s.cores, 0);
      const machine = (machineTicks() - machineBefore) / TICKS_PER_SECOND / seconds;
      if (machine - seen >= 0.01)
        shares.push({ process: 'processes that ended (pgbench and its backends), kernel', cores: machine - seen });
      return shares.sort((a, b) => b.cores - a.cores);
    },
  };
}

async function backendNames(db: pg.Pool): Promise<Map<string, string>> {
  const { rows } = await db.query<{ pid: number; name: string }>(
    /* sql */ `SELECT pid, 'postgres: ' || coalesce(nullif(application_name, ''), backend_type) AS name FROM pg_stat_activity`,
  );
  return new Map(rows.map((r) => [String(r.pid), r.name]));
}

function ticksByProcess(): Map<string, { comm: string; ticks: number }> {
  const samples = new Map<string, { comm: string; ticks: number }>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    const sample = processSample(pid);
    if (sample) samples.set(pid, sample);
  }
  return samples;
}

export function processSample(pid: string): { comm: string; ticks: number } | undefined {
  const stat = procStat(pid); // undefined: ended between listing and reading
  // utime and stime: fields 14 and 15 of /proc/<pid>/stat.
  return stat && { comm: stat.comm, ticks: Number(stat.fields[11]) + Number(stat.fields[12]) };
}

function groupOf(comm: string, pid: string): string {
  if (comm === 'postgres') return 'postgres: other processes';
  if (comm !== 'node' && comm !== 'java' && !comm.startsWith('beam')) return comm.startsWith('kworker') ? 'kernel workers' : comm;
  let cmdline = '';
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return comm; // ended since it was sampled
  }
  if (cmdline.includes('debezium')) return 'Debezium Server (JVM)';
  if (comm.startsWith('beam')) return 'RabbitMQ (beam)';
  const service = /(command-api|projector|query-api)/.exec(cmdline)?.[1];
  return service ? `node: ${service}` : 'node: bench (load generator)';
}

function machineTicks(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user, nice, system, irq, softirq, steal: busy time; idle and iowait are not.
  return cpu[0]! + cpu[1]! + cpu[2]! + cpu[5]! + cpu[6]! + cpu[7]!;
}
