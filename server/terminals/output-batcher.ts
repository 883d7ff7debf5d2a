/**
 * Coalesces a shell's many small output chunks into fewer socket messages. The first chunk after a quiet
 * period goes out at once (keystroke echo gets no added latency); chunks during the next `delayMs` are held
 * and sent together, or as soon as `maxChars` have piled up.
 */

/** The timer functions the batcher uses; tests pass their own clock. */
export interface Timers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: Timers = {
  set: (callback, ms) => setTimeout(callback, ms),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class OutputBatcher {
  private held: string[] = [];
  private heldChars = 0;
  private cooldown: unknown;

  constructor(
    private readonly emit: (data: string) => void,
    readonly delayMs = 4,
    readonly maxChars = 64 * 1024,
    private readonly timers: Timers = realTimers,
  ) {}

  push(data: string): void {
    if (data.length === 0) return;
    if (this.cooldown === undefined) {
      this.emit(data);
      this.startCooldown();
      return;
    }
    this.held.push(data);
    this.heldChars += data.length;
    if (this.heldChars >= this.maxChars) this.flush();
  }

  /** Sends what is held now. */
  flush(): void {
    if (this.heldChars === 0) return;
    const data = this.held.length === 1 ? this.held[0] : this.held.join('');
    this.held = [];
    this.heldChars = 0;
    this.emit(data);
  }

  /** Characters held, not sent yet. */
  get pending(): number {
    return this.heldChars;
  }

  dispose(): void {
    if (this.cooldown !== undefined) this.timers.clear(this.cooldown);
    this.cooldown = undefined;
    this.held = [];
    this.heldChars = 0;
  }

  private startCooldown(): void {
    this.cooldown = this.timers.set(() => {
      this.cooldown = undefined;
      if (this.heldChars > 0) {
        this.flush();
        this.startCooldown();
      }
    }, this.delayMs);
  }
}
