/** What one projector instance says of itself at /health. */
export interface ProjectorView {
  url: string;
  reachable: boolean;
  /** ok, degraded or unavailable (its /health `status`). */
  status: string | null;
  problems: string[];
  /** Per consumed shard: its consumer state and deliveries held unsettled (unacked). */
  shards: Record<string, { state: string; unsettled: number }>;
}

const TIMEOUT_MS = 1_000;

/** Asks each projector instance for its /health; one that does not answer within a second is unreachable. */
export function readProjectors(urls: string[]): Promise<ProjectorView[]> {
  return Promise.all(urls.map(readOne));
}

async function readOne(url: string): Promise<ProjectorView> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    const body = (await res.json()) as Partial<{
      status: string;
      problems: string[];
      shards: ProjectorView['shards'];
      processed: number;
    }>;
    return {
      url,
      reachable: true,
      status: body.status ?? null,
      problems: body.problems ?? [],
      shards: body.shards ?? {},
    };
  } catch {
    return { url, reachable: false, status: null, problems: [], shards: {} };
  }
}
