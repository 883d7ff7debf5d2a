// Elastic tabstops as Go's text/tabwriter (docker's fork, which measures cells in display columns):
// tab-terminated cells of contiguous lines form a column padded to its widest cell.
import { displayWidth } from './units.js';

interface Cell {
  text: string;
  width: number;
  htab: boolean;
}

/** Options of a tabwriter (Go's NewWriter arguments). */
export interface TabWriterOptions {
  minWidth: number;
  tabWidth: number;
  padding: number;
  padChar?: string;
  alignRight?: boolean;
  discardEmptyColumns?: boolean;
  debug?: boolean;
}

/** A tabwriter collecting text and returning the aligned result from flush(). */
export class TabWriter {
  private lines: Cell[][] = [[]];
  private cell = '';
  private widths: number[] = [];
  private out = '';
  private readonly padChar: string;

  constructor(private readonly options: TabWriterOptions) {
    this.padChar = options.padChar ?? ' ';
  }

  /** Appends text; complete lines may be formatted immediately, as Go's writer does. */
  write(text: string): void {
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (ch === '\t' || ch === '\v') {
        this.cell += text.slice(start, i);
        start = i + 1;
        this.terminateCell(ch === '\t');
      } else if (ch === '\n' || ch === '\f') {
        this.cell += text.slice(start, i);
        start = i + 1;
        const cells = this.terminateCell(false);
        this.lines.push([]);
        if (ch === '\f' || cells === 1) {
          // A line of one cell cannot affect the columns of later lines, so what is buffered can be formatted.
          this.flushLines();
        }
      }
    }
    this.cell += text.slice(start);
  }

  /** Formats everything buffered and returns the output produced since the last flush. */
  flush(): string {
    if (this.cell.length > 0) this.terminateCell(false);
    this.flushLines();
    const out = this.out;
    this.out = '';
    return out;
  }

  private terminateCell(htab: boolean): number {
    const line = this.lines[this.lines.length - 1]!;
    line.push({ text: this.cell, width: displayWidth(this.cell), htab });
    this.cell = '';
    return line.length;
  }

  private flushLines(): void {
    this.format(0, this.lines.length);
    // Keep the current, incomplete line (its text is in this.cell).
    this.lines = [[]];
    this.widths = [];
  }

  private format(line0: number, line1: number): void {
    const column = this.widths.length;
    for (let current = line0; current < line1; current++) {
      let line = this.lines[current]!;
      if (column >= line.length - 1) continue;
      this.writeLines(line0, current);
      line0 = current;
      let width = this.options.minWidth;
      let discardable = true;
      for (; current < line1; current++) {
        line = this.lines[current]!;
        if (column >= line.length - 1) break;
        const cell = line[column]!;
        width = Math.max(width, cell.width + this.options.padding);
        if (cell.width > 0 || cell.htab) discardable = false;
      }
      if (discardable && this.options.discardEmptyColumns) width = 0;
      this.widths.push(width);
      this.format(line0, current);
      this.widths.pop();
      line0 = current;
    }
    this.writeLines(line0, line1);
  }

  private writeLines(line0: number, line1: number): void {
    for (let i = line0; i < line1; i++) {
      const line = this.lines[i]!;
      line.forEach((cell, j) => {
        if (j > 0 && this.options.debug) this.out += '|';
        const width = this.widths[j];
        const pad = width === undefined ? '' : this.padChar.repeat(Math.max(0, width - cell.width));
        if (cell.text.length === 0) this.out += pad;
        else if (this.options.alignRight) this.out += pad + cell.text;
        else this.out += cell.text + pad;
      });
      if (i + 1 < this.lines.length) this.out += '\n';
    }
  }
}

/** Aligns `text` with the table settings docker uses (minwidth 10, tabwidth 1, padding 3). */
export function alignTable(text: string, options: Partial<TabWriterOptions> = {}): string {
  const writer = new TabWriter({ minWidth: 10, tabWidth: 1, padding: 3, ...options });
  writer.write(text);
  return writer.flush();
}
