import { spawn, spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The compose command line this machine has: Compose v2 (`docker compose`) when present, else
 * the standalone v1 (`docker-compose`, Debian's 1.29). Both run the same files; v1 has no
 * `up --wait`, so `upAndWait` does that wait itself by polling the containers' health.
 */
export interface ComposeCli {
  command: string;
  prefix: string[];
  version: string;
  hasWait: boolean;
}

export function engineAnswers(): boolean {
  return spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
}

export function findCompose(): ComposeCli | undefined {
  const v2 = spawnSync('docker', ['compose', 'version', '--short'], { encoding: 'utf8' });
  if (v2.status === 0) return { command: 'docker', prefix: ['compose'], version: v2.stdout.trim(), hasWait: true };
  const v1 = spawnSync('docker-compose', ['version', '--short'], { encoding: 'utf8' });
  if (v1.status === 0) return { command: 'docker-compose', prefix: [], version: v1.stdout.trim(), hasWait: false };
  return undefined;
}

/** State of one service's container as the engine reports it. */
export interface ContainerState {
  id: string;
  status: string;
  health: string | undefined;
  restarts: number;
}

export class ComposeProject {
  constructor(
    private readonly cli: ComposeCli,
    private readonly project: string,
    private readonly files: string[],
    private readonly env: NodeJS.ProcessEnv,
    private readonly log: (line: string) => void,
  ) {}

  /** Runs a compose subcommand, its output streamed with a prefix; rejects on a non-zero exit. */
  run(args: string[], { quiet = false } = {}): Promise<void> {
    const full = this.commandLine(args);
    return new Promise((resolve, reject) => {
      const child = spawn(this.cli.command, full, { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
      const relay = (chunk: Buffer) => {
        if (quiet) return;
        for (const line of chunk.toString().split('\n')) if (line.trim()) this.log(`  | ${line.trimEnd()}`);
      };
      child.stdout.on('data', relay);
      child.stderr.on('data', relay);
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0 ? resolve() : reject(new Error(`${this.cli.command} ${full.join(' ')} exited with ${code}`)),
      );
    });
  }

  /** `up -d`, returning once every service is healthy: `--wait` on v2, polled on v1. */
  async upAndWait(timeoutMs: number): Promise<void> {
    if (this.cli.hasWait) return this.run(['up', '-d', '--wait']);
    await this.run(['up', '-d']);
    await this.waitAllHealthy(timeoutMs);
  }

  /** Polls until every service's container runs and its healthcheck passes. */
  async waitAllHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = this.states();
      if (states.size > 0 && [...states.values()].every((s) => s.status === 'running' && s.health === 'healthy')) return;
      if (Date.now() > deadline) throw new Error(`not healthy within ${timeoutMs / 1000} s: ${describe(states)}`);
      await sleep(250);
    }
  }

  /** Every service's container state, by service name. */
  states(): Map<string, ContainerState> {
    const ids = this.capture(['ps', '-q']).split('\n').filter(Boolean);
    const states = new Map<string, ContainerState>();
    if (ids.length === 0) return states;
    const format =
      '{{index .Config.Labels "com.docker.compose.service"}} {{.Id}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}-{{end}} {{.RestartCount}}';
    const out = spawnSync('docker', ['inspect', '-f', format, ...ids], { encoding: 'utf8' });
    for (const line of out.stdout.split('\n').filter(Boolean)) {
      const [service, id, status, health, restarts] = line.split(' ');
      states.set(service!, { id: id!, status: status!, health: health === '-' ? undefined : health, restarts: Number(restarts) });
    }
    return states;
  }

  /**
   * Crashes a service the way a fault would: SIGKILL to every process of its container but the
   * init process, which then exits, so the engine applies the restart policy. (`docker kill`
   * counts as a deliberate stop, after which the engine restarts nothing.)
   */
  async crash(service: string): Promise<ContainerState> {
    const before = this.state(service);
    await this.run(['exec', '-T', service, 'sh', '-c', 'kill -9 -1'], { quiet: true }).catch(() => undefined);
    return before;
  }

  /**
   * Stops a container as a lost machine would (`docker kill`, SIGKILL to all of it, no
   * shutdown). The engine counts it as a deliberate stop and does not restart it: `revive` does.
   */
  kill(container: ContainerState): void {
    const out = spawnSync('docker', ['kill', container.id], { encoding: 'utf8' });
    if (out.status !== 0) throw new Error(`docker kill ${container.id}: ${out.stderr.trim()}`);
  }

  /** Starts a killed container again (the same container: its volume and host name). */
  revive(killed: ContainerState): void {
    const out = spawnSync('docker', ['start', killed.id], { encoding: 'utf8' });
    if (out.status !== 0) throw new Error(`docker start ${killed.id}: ${out.stderr.trim()}`);
  }

  /**
   * Waits until a container runs and its healthcheck passes. Asks the engine about that container
   * alone, without blocking this process: a load may run beside it.
   */
  async waitHealthy(container: ContainerState, timeoutMs: number): Promise<ContainerState> {
    const deadline = Date.now() + timeoutMs;
    const format = '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}-{{end}} {{.RestartCount}}';
    for (;;) {
      const [status, health, restarts] = (await output('docker', ['inspect', '-f', format, container.id])).trim().split(' ');
      if (status === 'running' && health === 'healthy') return { ...container, status, health, restarts: Number(restarts) };
      if (Date.now() > deadline) throw new Error(`${container.id} not healthy within ${timeoutMs / 1000} s: ${status} ${health}`);
      await sleep(250);
    }
  }

  /** Waits until the service's container restarted after `before` and is healthy again. */
  async waitRestartedHealthy(service: string, before: ContainerState, timeoutMs: number): Promise<ContainerState> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const now = this.state(service);
      if (now.restarts > before.restarts && now.status === 'running' && now.health === 'healthy') return now;
      if (Date.now() > deadline) {
        const why =
          now.id === before.id && now.restarts === before.restarts
            ? ' (no restart: did the kill reach a process? it needs `init: true`)'
            : '';
        throw new Error(`${service} not restarted and healthy within ${timeoutMs / 1000} s${why}: ${JSON.stringify(now)}`);
      }
      await sleep(250);
    }
  }

  /** Runs a command in a service's container and returns its output; rejects on failure. */
  exec(service: string, command: string[], env: Record<string, string> = {}): string {
    const container = this.state(service).id;
    const out = spawnSync(
      'docker',
      ['exec', ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]), container, ...command],
      {
        encoding: 'utf8',
      },
    );
    if (out.status !== 0) throw new Error(`docker exec ${command.join(' ')} in ${service}: ${out.stderr.trim()}`);
    return out.stdout;
  }

  /** Runs a command in a container without blocking this process (a load may run beside it): its output. */
  execAsync(container: ContainerState, command: string[]): Promise<string> {
    return output('docker', ['exec', container.id, ...command]);
  }

  /** Runs a subcommand with another environment, to completion: its exit code and output. */
  runWithEnv(env: NodeJS.ProcessEnv, args: string[]): { status: number | null; output: string } {
    const out = spawnSync(this.cli.command, this.commandLine(args), { env, encoding: 'utf8' });
    return { status: out.status, output: `${out.stdout}${out.stderr}` };
  }

  /** Where the engine published a service's container port on the host, e.g. 127.0.0.1:38081. */
  publishedAt(service: string, port: number): string {
    return this.capture(['port', service, String(port)]).trim();
  }

  /** The arguments of one compose call: the project, its files, then the subcommand. */
  private commandLine(args: string[]): string[] {
    return [...this.cli.prefix, '-p', this.project, ...this.files.flatMap((f) => ['-f', f]), ...args];
  }

  private state(service: string): ContainerState {
    const state = this.states().get(service);
    if (!state) throw new Error(`no container for service ${service}`);
    return state;
  }

  private capture(args: string[]): string {
    const out = spawnSync(this.cli.command, this.commandLine(args), { env: this.env, encoding: 'utf8' });
    if (out.status !== 0) throw new Error(`${this.cli.command} ${args.join(' ')}: ${out.stderr.trim()}`);
    return out.stdout;
  }
}

/** A command's standard output; rejects when it exits non-zero. */
function output(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`${command} ${args.join(' ')}: ${stderr.trim()}`)),
    );
  });
}

export function describe(states: Map<string, ContainerState>): string {
  return [...states].map(([service, s]) => `${service} ${s.status}${s.health ? `/${s.health}` : ''}`).join(', ');
}
