/**
 * Terminal flow control, both ends. The server counts the characters it sent a browser and the browser
 * acknowledges them once xterm.js has rendered them; above a high watermark of unacknowledged output the server
 * pauses the shell, below a low one it resumes. So `yes` or `cat` of a large file never grows memory on either
 * side without bound, and Ctrl-C still gets through quickly. Pure code: no timers, no I/O.
 */

/** Defaults: the browser acks every 64 Ki characters; the shell pauses above 1 Mi unacked, resumes below 256 Ki. */
export const flowDefaults = { ackChars: 64 * 1024, lowChars: 256 * 1024, highChars: 1024 * 1024 } as const;

/** Server side: the unacknowledged output of one browser attachment, with hysteresis between two watermarks. */
export class SendWindow {
  private unackedChars = 0;
  private over = false;

  constructor(
    readonly lowChars: number = flowDefaults.lowChars,
    readonly highChars: number = flowDefaults.highChars,
    ackChars: number = flowDefaults.ackChars,
  ) {
    if (!(lowChars < highChars)) throw new RangeError('the low watermark must be below the high one');
    // The browser acks only whole ackChars: below that the window could never drain to the low watermark.
    if (!(ackChars < lowChars)) throw new RangeError('ackChars must be below the low watermark');
  }

  /** Characters sent and not acknowledged yet. */
  get unacked(): number {
    return this.unackedChars;
  }

  /** Whether this attachment wants the shell paused. */
  get blocked(): boolean {
    return this.over;
  }

  /** Counts output sent; true when this crosses the high watermark (pause now). */
  sent(chars: number): boolean {
    this.unackedChars += chars;
    if (!this.over && this.unackedChars >= this.highChars) {
      this.over = true;
      return true;
    }
    return false;
  }

  /** Counts an acknowledgement; true when this drains below the low watermark (resume now). */
  acked(chars: number): boolean {
    if (!Number.isFinite(chars) || chars <= 0) return false;
    this.unackedChars = Math.max(0, this.unackedChars - chars);
    if (this.over && this.unackedChars <= this.lowChars) {
      this.over = false;
      return true;
    }
    return false;
  }
}

/** Browser side: counts rendered characters and says when to acknowledge, in whole `ackChars`. */
export class AckCounter {
  private pending = 0;

  constructor(readonly ackChars: number = flowDefaults.ackChars) {}

  /** Counts characters xterm.js finished rendering; returns how many to acknowledge now (0: not yet). */
  rendered(chars: number): number {
    this.pending += chars;
    if (this.pending < this.ackChars) return 0;
    const ack = this.pending - (this.pending % this.ackChars);
    this.pending -= ack;
    return ack;
  }

  /** Forgets what was counted, e.g. when the browser attaches again from scratch. */
  reset(): void {
    this.pending = 0;
  }
}
