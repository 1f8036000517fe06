import { describe, expect, it } from 'vitest';
import { MicroBatcher } from './micro-batcher.js';

describe('micro-batcher', () => {
  it('sends items submitted within the wait as one batch and answers each with its own result', async () => {
    const batches: string[][] = [];
    const batcher = new MicroBatcher<string, string>({ maxBatchSize: 10, batchWaitMs: 20 }, async (items) => {
      batches.push([...items]);
      return items.map((i) => i.toUpperCase());
    });
    const results = await Promise.all(['a', 'b', 'c'].map((x) => batcher.submit(x)));
    expect(results).toEqual(['A', 'B', 'C']);
    expect(batches).toEqual([['a', 'b', 'c']]);
  });

  it('sends a full batch at once and starts the next one with the rest', async () => {
    const batches: number[][] = [];
    const batcher = new MicroBatcher<number, number>({ maxBatchSize: 2, batchWaitMs: 10_000 }, async (items) => {
      batches.push([...items]);
      return items;
    });
    const first = Promise.all([batcher.submit(1), batcher.submit(2)]);
    await expect(first).resolves.toEqual([1, 2]);
    const rest = batcher.submit(3);
    expect(batches).toEqual([[1, 2]]);
    void batcher.submit(4);
    await expect(rest).resolves.toBe(3);
    expect(batches).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('rejects every item of a batch whose call fails or answers the wrong number of results', async () => {
    const failing = new MicroBatcher<string, string>({ maxBatchSize: 4, batchWaitMs: 1 }, async () => {
      throw new Error('down');
    });
    const short = new MicroBatcher<string, string>({ maxBatchSize: 4, batchWaitMs: 1 }, async () => ['only one']);
    for (const batcher of [failing, short]) {
      const settled = await Promise.allSettled([batcher.submit('a'), batcher.submit('b')]);
      expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    }
  });
});
