import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import type { LabView, TerminalView } from '../../server/protocol/events.js';
import { AckCounter } from '../../server/protocol/flow-control.js';
import { h } from './dom.js';
import type { WorkshopSocket } from './socket.js';

/** One node's terminal in the browser: xterm.js, its offset in the shell's output, and flow-control acks. */
class NodeTerminal {
  readonly xterm: Terminal;
  readonly fit = new FitAddon();
  readonly panel: HTMLElement;
  readonly tab: HTMLButtonElement;
  /** Characters of the shell's output received so far (where a reattach resumes). */
  offset = 0;
  private readonly acks = new AckCounter();
  private attached = false;

  constructor(
    readonly id: string,
    readonly node: string,
    private readonly socket: WorkshopSocket,
  ) {
    this.tab = h('button', { class: 'tab', role: 'tab', 'data-node': node }, node);
    this.panel = h('div', {
      class: 'terminal-panel',
      role: 'tabpanel',
      'data-node': node,
      'data-terminal': id,
    });
    this.xterm = new Terminal({
      cursorBlink: true,
      scrollback: 5_000,
      fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace',
      fontSize: 14,
      lineHeight: 1.2,
      theme: { background: '#111820', foreground: '#e6edf3', selectionBackground: '#3b5070' },
    });
    this.xterm.loadAddon(this.fit);
    this.xterm.onData((data) => this.socket.emit('term:input', this.id, data));
    this.xterm.onResize(({ cols, rows }) => this.socket.emit('term:resize', this.id, cols, rows));
    this.xterm.attachCustomKeyEventHandler((event) => this.clipboardKeys(event));
  }

  open(): void {
    this.xterm.open(this.panel);
  }

  /** Ctrl+C copies when text is selected (else it interrupts); Ctrl+Shift+C copies; Ctrl+V / Ctrl+Shift+V paste. */
  private clipboardKeys(event: KeyboardEvent): boolean {
    if (event.type !== 'keydown' || !(event.ctrlKey || event.metaKey)) return true;
    const key = event.key.toLowerCase();
    if (key === 'c' && (event.shiftKey || this.xterm.hasSelection())) {
      const text = this.xterm.getSelection();
      if (text) void navigator.clipboard?.writeText(text).catch(() => document.execCommand('copy'));
      event.preventDefault();
      return false;
    }
    // Let the browser fire its paste event, which xterm.js turns into input.
    if (key === 'v') return false;
    return true;
  }

  /** (Re)attaches to the shell's output from what this terminal already has. */
  attach(): void {
    this.attached = false;
    this.socket.emit('term:attach', { terminalId: this.id, offset: this.offset }, (reply) => {
      if (!reply.ok) {
        this.xterm.write(`\r\n\x1b[31m[${reply.error ?? 'cannot attach'}]\x1b[0m\r\n`);
        return;
      }
      if (reply.reset) {
        this.xterm.reset();
        this.acks.reset();
      }
      this.offset = reply.offset;
      this.attached = true;
      this.resize();
    });
  }

  receive(data: string): void {
    this.offset += data.length;
    this.xterm.write(data, () => {
      const ack = this.acks.rendered(data.length);
      if (ack > 0) this.socket.emit('term:ack', this.id, ack);
    });
  }

  resize(): void {
    if (!this.panel.isConnected || this.panel.offsetWidth === 0) return;
    try {
      this.fit.fit();
    } catch {
      return;
    }
    if (this.attached) this.socket.emit('term:resize', this.id, this.xterm.cols, this.xterm.rows);
  }

  dispose(): void {
    this.socket.emit('term:detach', this.id);
    this.xterm.dispose();
    this.tab.remove();
    this.panel.remove();
  }
}

/** The lab's terminals as tabs, one per node, kept attached across reloads and reconnects. */
export class Terminals {
  private readonly byNode = new Map<string, NodeTerminal>();
  private readonly tabs: HTMLElement;
  private readonly panels: HTMLElement;
  private readonly empty: HTMLElement;
  private active: string | undefined;

  constructor(
    private readonly root: HTMLElement,
    private readonly socket: WorkshopSocket,
  ) {
    this.tabs = h('div', { class: 'tabs', role: 'tablist' });
    this.panels = h('div', { class: 'panels' });
    this.empty = h(
      'div',
      { class: 'terminals-empty' },
      'Start a lab: each of its nodes gets a terminal here.',
    );
    this.root.append(this.tabs, this.panels, this.empty);
    socket.on('term:data', (id, data) => {
      for (const terminal of this.byNode.values()) if (terminal.id === id) terminal.receive(data);
    });
    socket.on('term:exit', (id) => {
      for (const terminal of this.byNode.values())
        if (terminal.id === id) terminal.xterm.write('\r\n[the shell exited]\r\n');
    });
    new ResizeObserver(() => this.byNode.get(this.active ?? '')?.resize()).observe(this.panels);
  }

  /**
   * Follows the lab: a terminal per node, replaced when its shell is (new lab, or the shell exited). With
   * `reattach` (after a reconnect), terminals that stay pick up where their output stopped.
   */
  update(lab: LabView | null, reattach = false): void {
    const wanted = new Map<string, TerminalView>(
      (lab?.state === 'ready' ? lab.terminals : []).map((t) => [t.node, t]),
    );
    for (const [node, terminal] of this.byNode) {
      if (wanted.get(node)?.id !== terminal.id) {
        terminal.dispose();
        this.byNode.delete(node);
      }
    }
    const nodes = [...wanted.keys()].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    for (const node of nodes) {
      if (this.byNode.has(node)) {
        if (reattach) this.byNode.get(node)?.attach();
        continue;
      }
      const view = wanted.get(node)!;
      const terminal = new NodeTerminal(view.id, node, this.socket);
      terminal.tab.addEventListener('click', () => this.show(node));
      this.byNode.set(node, terminal);
      this.panels.append(terminal.panel);
      terminal.open();
      terminal.attach();
    }
    for (const node of nodes) this.tabs.append(this.byNode.get(node)!.tab);
    this.empty.hidden = this.byNode.size > 0;
    this.empty.textContent =
      lab?.state === 'starting'
        ? `Starting ${lab.nodes.length} nodes...`
        : 'Start a lab: each of its nodes gets a terminal here.';
    if (!this.active || !this.byNode.has(this.active)) this.active = nodes[0];
    if (this.active) this.show(this.active);
  }

  show(node: string): void {
    this.active = node;
    for (const [name, terminal] of this.byNode) {
      const on = name === node;
      terminal.panel.hidden = !on;
      terminal.tab.classList.toggle('active', on);
      terminal.tab.setAttribute('aria-selected', String(on));
    }
    const terminal = this.byNode.get(node);
    if (terminal) requestAnimationFrame(() => terminal.resize());
  }

  /** Pastes a command into a node's terminal (without running it) and focuses it. */
  paste(node: string, command: string): boolean {
    const terminal = this.byNode.get(node);
    if (!terminal) return false;
    this.show(node);
    terminal.xterm.paste(command);
    terminal.xterm.focus();
    return true;
  }
}
