import { devStackConfig } from '../stack-config.ts';
import { stackStatus, type PieceStatus } from '../native/pieces.ts';
import { runCli } from './run-cli.ts';

/**
 * `npm run status`: every piece of the stack, running or not, and where a crashed one logged;
 * `-- --json`: the same as a JSON array (name, pid, state, ports, role, node, log). Exits 1 when a
 * piece died without being stopped.
 */
await runCli(async () => {
  const config = devStackConfig();
  const pieces = await stackStatus(config);
  if (process.argv.includes('--json')) console.log(JSON.stringify(pieces, null, 2));
  else for (const piece of pieces) console.log(textLine(piece, config));
  if (pieces.some((piece) => piece.state === 'died')) process.exitCode = 1;
});

function textLine(piece: PieceStatus, config: ReturnType<typeof devStackConfig>): string {
  const name = piece.name.padEnd(16);
  if (piece.state === 'external')
    return `${name} external broker at ${config.RABBITMQ_HOST}:${config.RABBITMQ_PORT} (not started by this stack)`;
  const state =
    piece.state === 'running' ? `running (pid ${piece.pid})` : piece.state === 'died' ? `DIED: see ${piece.log}` : 'not running';
  const details = [piece.ports.length > 0 ? `port ${piece.ports.join(', ')}` : '', piece.node ?? '', piece.role ?? ''];
  const extra = details.filter((d) => d !== '').join('; ');
  return extra ? `${name} ${state.padEnd(24)} ${extra}` : `${name} ${state}`;
}
