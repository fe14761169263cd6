import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Deadlines } from '../../../src/stores/cache/deadlines.ts';

test('only the deadlines not ended expire, in the order they started, each after its timeout', async () => {
  const deadlines = new Deadlines(30);
  const expired: { name: string; late: number }[] = [];
  let lastFired: () => void = () => {};
  const fired = new Promise<void>((resolve) => {
    lastFired = resolve;
  });
  const track = (name: string, last = false) => {
    const started = performance.now();
    return deadlines.start(() => {
      expired.push({ name, late: performance.now() - started });
      if (last) lastFired();
    });
  };
  const a = track('a');
  const b = track('b');
  track('c');
  assert.equal(b.end(), true);
  await sleep(10);
  track('d', true);
  assert.equal(a.end(), true);
  await fired;
  assert.deepEqual(
    expired.map(({ name }) => name),
    ['c', 'd'],
  );
  // Never early (the clock's rounding aside); how late depends on the machine's load.
  for (const { late } of expired) assert.ok(late >= 29, `expired after ${late} ms`);
});

test('a deadline ended after it passed says so, and ending it twice changes nothing', async () => {
  const deadlines = new Deadlines(5);
  let fired = 0;
  const late = deadlines.start(() => fired++);
  await sleep(25);
  assert.equal(fired, 1);
  assert.equal(late.end(), false);
  const onTime = deadlines.start(() => fired++);
  assert.equal(onTime.end(), true);
  assert.equal(onTime.end(), false);
  await sleep(25);
  assert.equal(fired, 1);
});
