// Work queue: jobs shared first come, first served by a fixed set of workers that each hold a few at a time.

/**
 * Jobs wait in one FIFO queue; each worker runs at most `capacity` of them at once and takes the
 * next as soon as one of its own settles, so a worker stuck on a long case does not hold back the
 * chunks the others can run. Jobs may be submitted from several runs at once.
 */
export class WorkQueue<W> {
  private readonly waiting: { readonly job: (worker: W) => Promise<void> }[] = [];
  private readonly busy: number[];

  constructor(
    private readonly workers: readonly W[],
    private readonly capacity: number,
  ) {
    if (workers.length === 0 || capacity < 1) throw new Error('BUG: a work queue needs a worker and a capacity of at least 1');
    this.busy = workers.map(() => 0);
  }

  /** Runs `job` on the first worker with a free slot; settles as the job does. */
  submit<T>(job: (worker: W) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({
        job: (worker) => {
          // Started synchronously, so a request is on its way before the caller's next synchronous stretch.
          let running: Promise<T>;
          try {
            running = job(worker);
          } catch (error) {
            running = Promise.reject(error);
          }
          return running.then(resolve, reject);
        },
      });
      this.dispatch();
    });
  }

  private dispatch(): void {
    // Least-loaded first, so with fewer chunks than slots every worker gets one before any gets two.
    while (this.waiting.length > 0) {
      let index = -1;
      for (let i = 0; i < this.workers.length; i++) if (this.busy[i]! < this.capacity && (index < 0 || this.busy[i]! < this.busy[index]!)) index = i;
      if (index < 0) return;
      const { job } = this.waiting.shift()!;
      this.busy[index]!++;
      void job(this.workers[index]!).finally(() => {
        this.busy[index]!--;
        this.dispatch();
      });
    }
  }
}
