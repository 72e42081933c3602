import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * The local TCP ports of the sockets a process has open (its fds' socket inodes, looked up in
 * /proc/net/tcp and tcp6): which process is at the other end of a Postgres backend, whose
 * pg_stat_activity.client_port is one of them.
 */
export function localPortsOf(pid: number): Set<number> {
  const inodes = new Set<string>();
  let fds: string[] = [];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return new Set(); // gone
  }
  for (const fd of fds) {
    try {
      const target = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
      if (target) inodes.add(target);
    } catch {
      // closed meanwhile
    }
  }
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is field 1 (ADDR:PORT in hex), the inode field 9.
      if (fields.length > 9 && inodes.has(fields[9]!)) ports.add(parseInt(fields[1]!.split(':')[1]!, 16));
    }
  }
  return ports;
}
