/**
 * Counts the model's free decoding states on the JS side, so a call waits
 * here (as a promise) for a state instead of occupying a native thread that
 * would only block. Waiters are served first come, first served.
 */
export class StateSlots {
  private free: number;
  private readonly waiters: Array<{ grant: () => void }> = [];

  constructor(count: number) {
    this.free = count;
  }

  /** Resolves once a slot is yours; rejects with `signal.reason` if aborted first. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.free > 0) {
      this.free--;
      return Promise.resolve();
    }

    return new Promise<void>((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next.grant();
    else this.free++;
  }

  get waiting(): number {
    return this.waiters.length;
  }
}
