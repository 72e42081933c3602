import { existsSync, readFileSync, statSync } from 'node:fs';
import { logFile, stackDirs } from '../../../infra/src/native/processes.ts';
import type { StackConfig } from '../../../infra/src/stack-config.ts';

/** Responses with a 5xx status a service has counted in its `/metrics` since it started. */
export async function serverErrorResponses(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const counts = [...text.matchAll(/^http_requests_total\{[^}]*status="5\d\d"[^}]*\} (\d+)/gm)];
  return counts.reduce((sum, m) => sum + Number(m[1]), 0);
}

/**
 * Error-level lines a stack service writes to its log from `mark()` on: a 500 is logged even
 * when its client has gone and the metrics never count the response.
 */
export function serviceErrorLog(stack: StackConfig, service: 'command-api' | 'query-api' | 'projector') {
  const file = logFile(stackDirs(stack.stackDir), service);
  const size = () => (existsSync(file) ? statSync(file).size : 0);
  let offset = 0;
  return {
    mark: () => {
      offset = size();
    },
    since: (): string[] => {
      if (!existsSync(file)) return [];
      const lines = readFileSync(file).subarray(offset).toString('utf8').split('\n');
      return lines.filter((line) => /^\{.*"level":(5\d|60)[,}]/.test(line));
    },
  };
}
