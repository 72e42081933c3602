import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Where one stack keeps what it started: `<dir>/pids/<name>.pid` and `<dir>/logs/<name>.log`. */
export interface StackDirs {
  root: string;
  pids: string;
  logs: string;
}

export function stackDirs(root: string): StackDirs {
  const dirs = { root, pids: join(root, 'pids'), logs: join(root, 'logs') };
  mkdirSync(dirs.pids, { recursive: true });
  mkdirSync(dirs.logs, { recursive: true });
  return dirs;
}

export const logFile = (dirs: StackDirs, name: string) => join(dirs.logs, `${name}.log`);
const pidFile = (dirs: StackDirs, name: string) => join(dirs.pids, `${name}.pid`);

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  uid?: number;
  gid?: number;
}

/** Starts a process detached from us, output appended to its log, and records its pid. */
export function spawnDetached(dirs: StackDirs, spec: ProcessSpec): number {
  const out = openSync(logFile(dirs, spec.name), 'a');
  try {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ['ignore', out, out],
      ...(spec.uid === undefined ? {} : { uid: spec.uid, gid: spec.gid }),
    });
    if (child.pid === undefined) throw new Error(`could not start ${spec.name} (${spec.command})`);
    child.unref();
    recordPid(dirs, spec.name, child.pid);
    return child.pid;
  } finally {
    closeSync(out);
  }
}

/**
 * Records the pid with the process's start time (from /proc), so a pid the kernel has since
 * given to another program is never taken for ours.
 */
export function recordPid(dirs: StackDirs, name: string, pid: number): void {
  writeFileSync(pidFile(dirs, name), `${pid} ${startTimeOf(pid) ?? ''}\n`);
}

/**
 * The recorded pid if that very process is still alive, else undefined. A stale pid file is left
 * in place: it is the evidence that the piece died without being stopped (`diedUnexpectedly`),
 * which the supervisor and the next start act on; only stopping or restarting it clears it.
 */
export function runningPid(dirs: StackDirs, name: string): number | undefined {
  const file = pidFile(dirs, name);
  if (!existsSync(file)) return undefined;
  const [pidText, startTime] = readFileSync(file, 'utf8').trim().split(' ');
  const pid = Number(pidText);
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) && startTimeOf(pid) === startTime ? pid : undefined;
}

/** True when a pid was recorded but that process is gone: it died without being stopped. */
export function diedUnexpectedly(dirs: StackDirs, name: string): boolean {
  return existsSync(pidFile(dirs, name)) && runningPid(dirs, name) === undefined;
}

/**
 * /proc/<pid>/stat as the command name and the fields after it (`fields[0]` is field 3, the
 * state). The name may contain spaces and parentheses, so the fields are counted from its
 * closing one. Undefined when the process is gone.
 */
export function procStat(pid: number | string): { comm: string; fields: string[] } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const end = stat.lastIndexOf(')');
    return { comm: stat.slice(stat.indexOf('(') + 1, end), fields: stat.slice(end + 2).split(' ') };
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/<pid>/stat: start time in clock ticks since boot. */
const startTimeOf = (pid: number): string | undefined => procStat(pid)?.fields[19];

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie (exited, not yet reaped by its parent) still answers signal 0.
    const state = procStat(pid)?.fields[0];
    return state !== undefined && state !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Stops the recorded process: `signal` first, SIGKILL after `graceMs`. Returns false when there
 * was nothing of ours running under that name.
 */
export async function stopRecorded(dirs: StackDirs, name: string, signal: NodeJS.Signals = 'SIGTERM', graceMs = 20_000) {
  const pid = runningPid(dirs, name);
  // Forgotten before it is signalled: a supervisor must never take a stop for a crash.
  rmSync(pidFile(dirs, name), { force: true });
  if (pid === undefined) return false;
  signalGroup(pid, signal);
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) signalGroup(pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(50);
  return true;
}

/** Detached children lead their own process group; signal the group so helpers die with them. */
function signalGroup(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

export function tailLog(dirs: StackDirs, name: string, lines = 25): string {
  const file = logFile(dirs, name);
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}
