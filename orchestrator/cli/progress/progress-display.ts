// Renders progress messages as docker's jsonmessage.DisplayJSONMessagesStream does: on a terminal each
// id keeps its own line, redrawn in place with ANSI cursor movements; elsewhere progress bars are left
// out and status lines are printed one after another.

/** One progress message (docker's progress.Progress). */
export interface ProgressMessage {
  id: string;
  /** A status shown with an (optional) progress bar; the line is redrawn in place on terminals. */
  action?: string;
  /** A plain message: printed as a new line, ending the in-place block. */
  message?: string;
  current?: number;
  total?: number;
  hideCounts?: boolean;
}

/** JSONProgress.String(): the bar ("[=====>    ] ") shown when the terminal is wider than 110 columns. */
export function progressBar(current: number, total: number, hideCounts: boolean, width: number): string {
  if (current <= 0 && total <= 0) return '';
  if (total <= 0) return '';
  let percentage = Math.trunc(Math.trunc((current / total) * 100) / 2);
  if (percentage > 50) percentage = 50;
  let bar = '';
  if (width > 110) bar = `[${'='.repeat(percentage)}>${' '.repeat(Math.max(0, 50 - percentage))}] `;
  const counts = hideCounts ? '' : `${current}/${total}`;
  return bar + counts;
}

const eraseLine = '\x1b[2K';
const up = (n: number) => (n === 0 ? '' : `\x1b[${n}A`);
const down = (n: number) => (n === 0 ? '' : `\x1b[${n}B`);

/** Writes progress messages to an output stream. */
export class ProgressDisplay {
  private ids = new Map<string, number>();

  constructor(
    private readonly write: (text: string) => void,
    private readonly terminal: boolean,
    private readonly width: () => number,
  ) {}

  /** Shows one message. */
  show(message: ProgressMessage): void {
    const hasProgress = message.message === undefined;
    let diff = 0;
    let out = '';
    if (message.id !== '' && hasProgress) {
      let line = this.ids.get(message.id);
      if (line === undefined) {
        line = this.ids.size;
        this.ids.set(message.id, line);
        if (this.terminal) out += '\n';
      }
      diff = this.ids.size - line;
      if (this.terminal) out += up(diff);
    } else {
      this.ids = new Map();
    }
    out += this.render(message);
    if (message.id !== '' && this.terminal) out += down(diff);
    this.write(out);
  }

  private render(message: ProgressMessage): string {
    const id = message.id !== '' ? `${message.id}: ` : '';
    if (!hasProgressFields(message)) return `${id}${message.message ?? ''}\n`;
    const status = message.action ?? '';
    const current = message.current ?? 0;
    const total = message.total ?? 0;
    const hide = message.hideCounts ?? false;
    if (this.terminal) {
      const bar = progressBar(current, total, hide, this.width());
      return `${eraseLine}\r${id}${status} ${bar}\r`;
    }
    // Without a terminal, docker measures the bar at 200 columns and skips messages that have one.
    if (progressBar(current, total, hide, 200) !== '') return '';
    return `${id}${status}\n`;
  }
}

function hasProgressFields(message: ProgressMessage): boolean {
  return message.message === undefined;
}
