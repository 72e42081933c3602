import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type pg from 'pg';
import { runningPid, procStat, type StackDirs } from '../infra/src/native/processes.ts';

/**
 * Whose a process is: `stack` (the bench stack's Postgres, RabbitMQ, Debezium and services, and
 * their children, the bench's own Postgres sessions excepted), `bench` (this process, its helpers,
 * pgbench, the baseline relays, and the sessions they open) or `other` (everything else on the
 * machine: another stack, the kernel, processes that ended during the window).
 */
export type CpuCategory = 'stack' | 'bench' | 'other';

/** CPU seconds per process group, from /proc: the profile behind the throughput figures. */
export interface CpuShare {
  process: string;
  /** Share of one core over the window (1 = one core busy). */
  cores: number;
  /** Absent from runs recorded before processes were told apart. */
  category?: CpuCategory;
}

/** Clock ticks per second of /proc's CPU times (USER_HZ). */
export const TICKS_PER_SECOND = 100;

/** The bench's own Postgres sessions, by application_name: the bench pools, floors, pgbench, relays. */
const BENCH_SESSION = /^postgres: (bench|pgbench|relay)/;

/**
 * Starts counting CPU by process: Postgres backends named by their application (from
 * pg_stat_activity), our Node services and the JVM by their entry, the rest by command name.
 * Processes are told apart by ancestry (`dirs`: the bench stack's recorded pieces), so another
 * stack running on the machine is never counted as ours. `stop()` returns each group's share of a
 * core over the window, plus what processes that ended meanwhile used (pgbench and its backends),
 * from the machine's total.
 */
export async function startCpuAccounting(db: pg.Pool, dirs?: StackDirs): Promise<{ stop(): Promise<CpuShare[]> }> {
  const names = await backendNames(db);
  const before = ticksByProcess();
  const machineBefore = machineTicks();
  const started = performance.now();
  return {
    async stop() {
      const seconds = (performance.now() - started) / 1000;
      // Backends opened during the window are named too (a pool opens connections on demand).
      for (const [pid, name] of await backendNames(db)) names.set(pid, name);
      const now = ticksByProcess();
      const roots = dirs ? stackRoots(dirs) : new Map<number, string>();
      const used = new Map<string, { ticks: number; category: CpuCategory }>();
      for (const [pid, { comm, ticks }] of now) {
        const category = categoryOf(pid, now, roots, names.get(pid));
        const base = names.get(pid) ?? (comm === 'node' ? roots.get(Number(pid)) : undefined) ?? groupOf(comm, pid);
        const group = category === 'other' && dirs ? `outside the bench stack: ${base}` : base;
        const entry = used.get(group) ?? { ticks: 0, category };
        entry.ticks += ticks - (before.get(pid)?.ticks ?? 0);
        used.set(group, entry);
      }
      const shares: CpuShare[] = [...used]
        .map(([group, { ticks, category }]) => ({ process: group, cores: ticks / TICKS_PER_SECOND / seconds, category }))
        .filter((s) => s.cores >= 0.01);
      const seen = shares.reduce((sum, s) => sum + s.cores, 0);
      const machine = (machineTicks() - machineBefore) / TICKS_PER_SECOND / seconds;
      if (machine - seen >= 0.01)
        shares.push({
          process: 'processes that ended (pgbench and its backends), kernel',
          cores: machine - seen,
          category: 'other',
        });
      return shares.sort((a, b) => b.cores - a.cores);
    },
  };
}

/** Cores the bench stack's own processes used over the window (its pieces and their children). */
export const stackCores = (shares: CpuShare[]): number =>
  shares.filter((s) => s.category === 'stack').reduce((sum, s) => sum + s.cores, 0);

/**
 * The stack's running pieces by pid, each with the name of its Node process (`node: projector`):
 * every process the stack recorded (Postgres' postmaster, the RabbitMQ VM, Debezium, the services,
 * and any more projector instances the bench started, each under a name of its own).
 */
function stackRoots(dirs: StackDirs): Map<number, string> {
  const pieces = existsSync(dirs.pids) ? readdirSync(dirs.pids).filter((f) => f.endsWith('.pid')) : [];
  return new Map(
    pieces.flatMap((file) => {
      const piece = file.slice(0, -'.pid'.length);
      const pid = runningPid(dirs, piece);
      return pid === undefined ? [] : [[pid, `node: ${piece}`] as const];
    }),
  );
}

function categoryOf(
  pid: string,
  processes: Map<string, { ppid: number }>,
  roots: Map<number, unknown>,
  backendName: string | undefined,
): CpuCategory {
  if (backendName && BENCH_SESSION.test(backendName)) return 'bench';
  for (let p = Number(pid), hops = 0; p > 1 && hops < 64; p = processes.get(String(p))?.ppid ?? 0, hops++) {
    if (roots.has(p)) return 'stack';
    if (p === process.pid) return 'bench';
  }
  return 'other';
}

async function backendNames(db: pg.Pool): Promise<Map<string, string>> {
  const { rows } = await db.query<{ pid: number; name: string }>(
    /* sql */ `SELECT pid, 'postgres: ' || coalesce(nullif(application_name, ''), backend_type) AS name FROM pg_stat_activity`,
  );
  return new Map(rows.map((r) => [String(r.pid), r.name]));
}

function ticksByProcess(): Map<string, { comm: string; ticks: number; ppid: number }> {
  const samples = new Map<string, { comm: string; ticks: number; ppid: number }>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    const sample = processSample(pid);
    if (sample) samples.set(pid, sample);
  }
  return samples;
}

export function processSample(pid: string): { comm: string; ticks: number; ppid: number } | undefined {
  const stat = procStat(pid); // undefined: ended between listing and reading
  // ppid: field 4; utime and stime: fields 14 and 15 of /proc/<pid>/stat.
  return stat && { comm: stat.comm, ticks: Number(stat.fields[11]) + Number(stat.fields[12]), ppid: Number(stat.fields[1]) };
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
  if (Number(pid) === process.pid) return 'node: bench (load generator)';
  // The bench's helpers by their script: the floors, the tap, the catch-up baseline, the relays.
  const helper = /bench\/(?:scenarios|relays)\/([\w-]+)\.ts/.exec(cmdline)?.[1];
  if (helper) return `node: bench helper (${helper === 'main' ? 'relay' : helper})`;
  if (cmdline.includes('debezium-instance')) return 'node: Debezium lease holder';
  if (cmdline.includes('debezium')) return 'Debezium Server (JVM)';
  if (comm.startsWith('beam')) return 'RabbitMQ (beam)';
  const service = /(command-api|projector|query-api)/.exec(cmdline)?.[1];
  return service ? `node: ${service}` : 'node: other';
}

function machineTicks(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user, nice, system, irq, softirq, steal: busy time; idle and iowait are not.
  return cpu[0]! + cpu[1]! + cpu[2]! + cpu[5]! + cpu[6]! + cpu[7]!;
}
