// docker's jsonmessage.DisplayJSONMessagesStream: the stream of JSON messages the daemon answers to
// `POST /images/create` (docker pull), shown as docker shows it. On a terminal each id keeps one line redrawn
// in place; elsewhere lines with a progress bar are left out.
import { formatGoDuration, humanSize } from '../text/units.js';

/** jsonmessage.JSONProgress. */
export interface JsonProgress {
  current?: number;
  total?: number;
  start?: number;
  hidecounts?: boolean;
  units?: string;
}

/** jsonmessage.JSONMessage, as the daemon sends it. */
export interface JsonMessage {
  stream?: string;
  status?: string;
  progressDetail?: JsonProgress | null;
  /** Deprecated preformatted progress. */
  progress?: string;
  id?: string;
  from?: string;
  time?: number;
  timeNano?: number;
  errorDetail?: { code?: number; message?: string } | null;
  error?: string;
  aux?: unknown;
}

/** A JSON error message from the stream (jsonmessage.JSONError). */
export class JsonMessageError extends Error {}

/** JSONProgress.String() for a terminal `width` columns wide. */
export function jsonProgressString(p: JsonProgress, width: number, now = Date.now()): string {
  const current = p.current ?? 0;
  const total = p.total ?? 0;
  if (current <= 0 && total <= 0) return '';
  if (total <= 0) return p.units ? `${current} ${p.units}` : humanSize(current).padStart(8);
  let percentage = Math.trunc(Math.trunc((current / total) * 100) / 2);
  if (percentage > 50) percentage = 50;
  let bar = '';
  if (width > 110) bar = `[${'='.repeat(percentage)}>${' '.repeat(Math.max(0, 50 - percentage))}] `;
  let numbers = '';
  if (!p.hidecounts) {
    if (!p.units) {
      numbers = `${humanSize(current).padStart(8)}/${humanSize(total)}`;
      if (current > total) numbers = humanSize(current).padStart(8);
    } else {
      numbers = current > total ? `${current} ${p.units}` : `${current}/${total} ${p.units}`;
    }
  }
  let timeLeft = '';
  if (current > 0 && (p.start ?? 0) > 0 && percentage < 50) {
    const fromStart = BigInt(Math.trunc((now / 1000 - p.start!) * 1e9));
    const perEntry = fromStart / BigInt(current);
    let left = BigInt(total - current) * perEntry;
    left = (left / 1_000_000_000n) * 1_000_000_000n;
    if (width > 50) timeLeft = ` ${formatGoDuration(left)}`;
  }
  return bar + numbers + timeLeft;
}

/** RFC3339NanoFixed of a Unix time in nanoseconds. */
function fixedTime(nanos: bigint): string {
  const seconds = nanos / 1_000_000_000n;
  const fraction = (nanos % 1_000_000_000n).toString().padStart(9, '0');
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${fraction}Z`;
}

/** Writes a stream of JSON messages as docker does; rejects with the first error message in it. */
export class JsonMessageDisplay {
  private ids = new Map<string, number>();

  constructor(
    private readonly write: (text: string) => void,
    private readonly terminal: boolean,
    private readonly width: () => number,
  ) {}

  show(jm: JsonMessage): void {
    if (jm.aux !== undefined && jm.aux !== null) return;
    const hasProgress = jm.progressDetail !== undefined && jm.progressDetail !== null;
    let diff = 0;
    let out = '';
    if (jm.id && (hasProgress || jm.progress)) {
      let line = this.ids.get(jm.id);
      if (line === undefined) {
        line = this.ids.size;
        this.ids.set(jm.id, line);
        if (this.terminal) out += '\n';
      }
      diff = this.ids.size - line;
      if (this.terminal && diff > 0) out += `\x1b[${diff}A`;
    } else {
      this.ids = new Map();
    }
    try {
      out += this.display(jm, hasProgress);
    } finally {
      if (jm.id && this.terminal && diff > 0) out += `\x1b[${diff}B`;
      this.write(out);
    }
  }

  private display(jm: JsonMessage, hasProgress: boolean): string {
    if (jm.errorDetail) {
      if (jm.errorDetail.code === 401) throw new JsonMessageError('authentication is required');
      throw new JsonMessageError(jm.errorDetail.message ?? '');
    }
    let out = '';
    let endl = '';
    const progress = hasProgress ? jsonProgressString(jm.progressDetail!, this.width()) : '';
    if (this.terminal && !jm.stream && hasProgress) {
      endl = '\r';
      out += `\x1b[2K${endl}`;
    } else if (hasProgress && progress !== '') {
      return '';
    }
    if (jm.timeNano) out += `${fixedTime(BigInt(jm.timeNano))} `;
    else if (jm.time) out += `${fixedTime(BigInt(jm.time) * 1_000_000_000n)} `;
    if (jm.id) out += `${jm.id}: `;
    if (jm.from) out += `(from ${jm.from}) `;
    const status = jm.status ?? '';
    if (hasProgress && this.terminal) out += `${status} ${progress}${endl}`;
    else if (jm.progress) out += `${status} ${jm.progress}${endl}`;
    else if (jm.stream) out += `${jm.stream}${endl}`;
    else out += `${status}${endl}\n`;
    return out;
  }
}

/** Reads concatenated JSON values from a byte stream (as Go's json.Decoder does) and shows each. */
export async function displayJsonMessages(
  source: AsyncIterable<Buffer | string>,
  display: JsonMessageDisplay,
): Promise<void> {
  let pending = '';
  for await (const chunk of source) {
    pending += chunk.toString();
    pending = consume(pending, display);
  }
  if (pending.trim() !== '') {
    JSON.parse(pending);
  }
}

/** Shows every complete JSON value at the start of `text`; returns what is left. */
function consume(text: string, display: JsonMessageDisplay): string {
  let rest = text;
  for (;;) {
    const start = rest.search(/\S/);
    if (start < 0) return '';
    const end = valueEnd(rest, start);
    if (end < 0) return rest;
    display.show(JSON.parse(rest.slice(start, end)) as JsonMessage);
    rest = rest.slice(end);
  }
}

/** The index just after the JSON object starting at `start`, or -1 when it is not complete yet. */
function valueEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}
