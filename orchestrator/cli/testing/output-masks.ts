// Masks for comparing two runs of the same docker commands against two clusters: what legitimately differs
// (ids, tokens, addresses, times, object versions, task placement, how often progress was polled) is
// replaced by stable placeholders, so only real differences in output remain.

/** The addresses and paths of one cluster's nodes, to be replaced by {addrN} / {dataDirN}. */
export interface MaskTargets {
  addrs: string[];
  dataDirs?: string[];
  labId?: string;
}

const countLine = /^overall progress: (rolling back update: )?\d+ out of \d+ tasks$/;

/** Progress shows how often the CLI polled: keep each progress line once, and of a run of counts the first and last. */
export function collapseProgress(text: string): string {
  const lines = text.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (out[out.length - 1] === line && /^(verify|overall progress|\d+\/\d+|rollback):/.test(line)) continue;
    if (
      countLine.test(line) &&
      countLine.test(lines[i + 1] ?? '') &&
      countLine.test(out[out.length - 1] ?? '')
    )
      continue;
    out.push(line);
  }
  return out.join('\n');
}

/** Replaces one cluster's ids (numbered by first appearance), tokens, addresses and times. */
export class OutputMasker {
  private readonly ids = new Map<string, string>();

  constructor(private readonly targets: MaskTargets) {}

  private id(full: string): string {
    let name = this.ids.get(full);
    if (!name) {
      name = `<id${this.ids.size + 1}>`;
      this.ids.set(full, name);
    }
    return name;
  }

  /** Masks `text`; `placement` also hides which node runs a task (schedulers may choose differently). */
  mask(text: string, placement = false): string {
    let out = text;
    this.targets.dataDirs?.forEach((dir, i) => {
      out = out.replaceAll(dir, `{dataDir${i + 1}}`);
    });
    this.targets.addrs.forEach((addr, i) => {
      out = out.replace(new RegExp(`${addr.replaceAll('.', '\\.')}(?!\\d)`, 'g'), `{addr${i + 1}}`);
    });
    if (this.targets.labId) out = out.replaceAll(this.targets.labId, '{lab}');
    out = out.replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, '<uuid>');
    // Each swarm has its own root CA.
    out = out.replace(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g, '<certificate>');
    out = out.replace(/(Issuer Public Key:\t)\S+/g, '$1<key>');
    out = out.replace(/"(TrustRoot|CertIssuerPublicKey)":\s*"[^"]*"/g, '"$1": "<ca>"');
    out = out.replace(/SWMTKN-1-[0-9a-z]+-[0-9a-z]+/g, '<token>').replace(/SWMKEY-1-\S+/g, '<unlock-key>');
    out = out.replace(/\b[0-9a-z]{25}\b/g, (m) => this.id(m));
    out = out.replace(/\b[0-9a-f]{64}\b/g, (m) => this.id(m));
    // A short id may be all letters: those are recognised in a table's first column.
    out = out.replace(/\b[0-9a-z]{12}\b/g, (m, offset: number, whole: string) => {
      for (const [full, name] of this.ids) if (full.startsWith(m)) return name;
      const lineStart = offset === 0 || whole[offset - 1] === '\n';
      // A task's short id in a service log prefix: "web.1.<id>@node".
      const logPrefix = whole[offset - 1] === '.' && whole[offset + m.length] === '@';
      return /\d/.test(m) || lineStart || logPrefix ? this.id(m) : m;
    });
    out = out.replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})/g, '<time>');
    out = out.replace(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)? [+-]\d{4} \w+/g, '<time>');
    const timed = out;
    out = out.replace(
      /(Less than a second|less than a second|About a minute|about a minute|About an hour|about an hour|\d+ (seconds?|minutes?|hours?)) ago/g,
      '<ago>',
    );
    out = out.replace(
      /Up (Less than a second|About a minute|About an hour|\d+ (seconds?|minutes?|hours?))/g,
      'Up <duration>',
    );
    // Relative times change a table's column widths with the moment each CLI ran: compare cells, not padding.
    if (out !== timed) out = out.replace(/ {3,}/g, '   ');
    out = out.replace(/"Index": \d+/g, '"Index": <n>');
    out = out.replace(
      /verify: Waiting \d+ seconds to verify that tasks are stable\.\.\.\n/g,
      'verify: Waiting <n> seconds to verify that tasks are stable...\n',
    );
    if (placement) out = out.replace(/\bswarm-[1-9]\b/g, 'swarm-N');
    return collapseProgress(out);
  }
}

/** One run's masked result. */
export interface MaskedRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A readable report of one command whose outputs differ: both sides in full, then the first differing line. */
export function describeDifference(label: string, theirs: MaskedRun, ours: MaskedRun): string {
  const show = (run: MaskedRun) =>
    `exit ${run.code}\n[stdout]\n${run.stdout}${run.stdout.endsWith('\n') || !run.stdout ? '' : '\n'}[stderr]\n${run.stderr}`;
  const a = show(theirs).split('\n');
  const b = show(ours).split('\n');
  let line = 0;
  while (line < a.length && a[line] === b[line]) line++;
  return (
    `${label}\n--- docker 28.2.2\n${a.join('\n')}\n--- swarmlab-docker\n${b.join('\n')}\n` +
    `--- first difference, line ${line + 1}:\n  docker:    ${JSON.stringify(a[line])}\n  swarmlab:  ${JSON.stringify(b[line])}`
  );
}

/**
 * The screen a terminal shows after `raw` (what a program wrote to a pty): applies carriage returns, line
 * feeds, cursor up/down (ESC[nA, ESC[nB) and line erasure (ESC[2K, ESC[K), so two programs that redraw their
 * progress a different number of times but end on the same picture compare equal.
 */
export function renderScreen(raw: string): string {
  const lines: string[] = [''];
  let row = 0;
  let col = 0;
  const put = (ch: string) => {
    const line = lines[row]!.padEnd(col, ' ');
    lines[row] = line.slice(0, col) + ch + line.slice(col + 1);
    col++;
  };
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === '\x1b' && raw[i + 1] === '[') {
      const match = /^\x1b\[(\d*)([A-Za-z])/.exec(raw.slice(i));
      if (!match) continue;
      const n = Number(match[1] || '1');
      switch (match[2]) {
        case 'A':
          row = Math.max(0, row - n);
          break;
        case 'B':
          row += n;
          while (lines.length <= row) lines.push('');
          break;
        case 'K':
          if (match[1] === '2') lines[row] = '';
          else lines[row] = lines[row]!.slice(0, col);
          break;
        case 'G':
          col = n - 1;
          break;
      }
      i += match[0].length - 1;
    } else if (ch === '\r') {
      col = 0;
    } else if (ch === '\n') {
      row++;
      col = 0;
      while (lines.length <= row) lines.push('');
    } else {
      put(ch);
    }
  }
  return lines.map((l) => l.trimEnd()).join('\n');
}
