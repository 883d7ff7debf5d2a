/**
 * A terminal's recent output, bounded, addressed by offsets: offset N is the N-th character the shell ever
 * printed. A browser that reattaches says which offset it has, and gets exactly what it missed, or all that
 * is kept (after clearing its screen) when what it missed is gone.
 */
export class Scrollback {
  private chunks: string[] = [];
  private keptChars = 0;
  private endOffset = 0;

  constructor(readonly capacityChars = 512 * 1024) {}

  /** The offset after the last character printed. */
  get end(): number {
    return this.endOffset;
  }

  /** The offset of the oldest character kept. */
  get start(): number {
    return this.endOffset - this.keptChars;
  }

  append(data: string): void {
    if (data.length === 0) return;
    this.endOffset += data.length;
    if (data.length >= this.capacityChars) {
      this.chunks = [data.slice(data.length - this.capacityChars)];
      this.keptChars = this.capacityChars;
      return;
    }
    this.chunks.push(data);
    this.keptChars += data.length;
    while (this.keptChars > this.capacityChars) {
      const excess = this.keptChars - this.capacityChars;
      const first = this.chunks[0];
      if (first.length <= excess) {
        this.chunks.shift();
        this.keptChars -= first.length;
      } else {
        this.chunks[0] = first.slice(excess);
        this.keptChars -= excess;
      }
    }
  }

  /**
   * What a browser holding output up to `offset` is missing. `reset` is true when part of it is gone (or the
   * offset is from another life of the terminal): the browser must clear and take all that is kept.
   */
  since(offset: number): { data: string; reset: boolean; offset: number } {
    if (!Number.isInteger(offset) || offset < this.start || offset > this.endOffset) {
      return { data: this.chunks.join(''), reset: true, offset: this.start };
    }
    const all = this.chunks.join('');
    return { data: all.slice(offset - this.start), reset: false, offset };
  }
}
