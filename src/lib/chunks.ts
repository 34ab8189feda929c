/**
 * Items in runs, in order, each run at most `maxWeight` in total and `maxCount` long (an item heavier than
 * `maxWeight` is a run of its own). Pure.
 */
export function chunksBy<T>(
  items: readonly T[],
  weightOf: (item: T) => number,
  maxWeight: number,
  maxCount = Infinity,
): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let weight = 0;
  for (const item of items) {
    const itemWeight = weightOf(item);
    if (current.length > 0 && (weight + itemWeight > maxWeight || current.length >= maxCount)) {
      chunks.push(current);
      current = [];
      weight = 0;
    }
    current.push(item);
    weight += itemWeight;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
