/**
 * The pure part of the scale-out scenario (scale-out.ts): which shards each projector instance
 * consumes, and in which order the instance counts are measured.
 */

/**
 * The shards split into `instances` disjoint runs of consecutive shards, as evenly as they go
 * (8 shards in 2: 0-3 and 4-7; in 4: 0-1, 2-3, 4-5, 6-7; in 3: 0-1, 2-4, 5-7). Pure.
 */
export function splitShards(shards: readonly number[], instances: number): number[][] {
  if (!Number.isInteger(instances) || instances < 1 || instances > shards.length)
    throw new Error(`cannot split ${shards.length} shards among ${instances} instances`);
  const boundary = (i: number) => Math.floor((i * shards.length) / instances);
  return Array.from({ length: instances }, (_, i) => shards.slice(boundary(i), boundary(i + 1)));
}

/** "0-3", "0,2", "5": a list of shards as the page names it. Pure. */
export function shardsText(shards: readonly number[]): string {
  const consecutive = shards.every((s, i) => i === 0 || s === shards[i - 1]! + 1);
  if (shards.length >= 2 && consecutive) return `${shards[0]}-${shards[shards.length - 1]}`;
  return shards.join(',');
}

/**
 * The instance counts in the order each pass measures them: forward on even passes, backward on
 * odd ones (1 2 4, 4 2 1, ...), so a drift of the machine over the run does not favour one count. Pure.
 */
export function passOrder(counts: readonly number[], pass: number): number[] {
  return pass % 2 === 0 ? [...counts] : [...counts].reverse();
}
