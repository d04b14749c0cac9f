/**
 * A background job's loop: runs `cycle` now and then every `intervalMs` (real time), never two
 * cycles at once; `wake()` asks for a cycle as soon as the current one ends. The work itself
 * decides what is due from the injected clock and the database, so the loop holds no state a
 * restart could lose.
 */
export class PeriodicTask {
  readonly #cycle: () => Promise<void>;
  readonly #intervalMs: number;
  readonly #onError: (error: unknown) => void;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> = Promise.resolve();
  #again = false;
  #busy = false;
  #stopped = true;

  constructor(cycle: () => Promise<void>, intervalMs: number, onError: (error: unknown) => void) {
    this.#cycle = cycle;
    this.#intervalMs = intervalMs;
    this.#onError = onError;
  }

  start(): void {
    this.#stopped = false;
    this.#arm(0);
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  wake(): void {
    if (this.#stopped) return;
    if (this.#busy) {
      this.#again = true;
      return;
    }
    this.#arm(0);
  }

  /** Stops the timer and waits for a running cycle to end. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  #arm(delay: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#running = this.#run();
    }, delay);
    this.#timer.unref();
  }

  async #run(): Promise<void> {
    this.#busy = true;
    try {
      do {
        this.#again = false;
        await this.#cycle();
      } while (this.#again && !this.#stopped);
    } catch (error) {
      this.#onError(error);
    } finally {
      this.#busy = false;
      if (!this.#stopped) this.#arm(this.#intervalMs);
    }
  }
}
