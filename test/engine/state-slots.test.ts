import { describe, expect, it } from 'vitest';

import { StateSlots } from '../../src/engine/state-slots.js';

describe('StateSlots', () => {
  it('grants up to its count at once, then serves waiters in order', async () => {
    const slots = new StateSlots(2);
    await slots.acquire();
    await slots.acquire();

    const order: number[] = [];
    const third = slots.acquire().then(() => order.push(3));
    const fourth = slots.acquire().then(() => order.push(4));
    expect(slots.waiting).toBe(2);

    slots.release();
    slots.release();
    await Promise.all([third, fourth]);
    expect(order).toEqual([3, 4]);
  });

  it('drops an aborted waiter without losing a slot', async () => {
    const slots = new StateSlots(1);
    await slots.acquire();
    const controller = new AbortController();
    const waiting = slots.acquire(controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    expect(slots.waiting).toBe(0);

    slots.release();
    await slots.acquire(); // the slot came back
  });
});
