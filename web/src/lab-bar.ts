import type { Hello, LabView } from '../../server/protocol/events.js';
import { h } from './dom.js';
import type { WorkshopSocket } from './socket.js';

/** Start, reset and destroy the learner's lab; shows its state and start progress. */
export class LabBar {
  private limits: Hello['limits'] = { minNodes: 1, maxNodes: 9, defaultNodes: 3 };
  private nodes = 3;

  constructor(
    private readonly root: HTMLElement,
    private readonly socket: WorkshopSocket,
  ) {}

  setLimits(limits: Hello['limits'], lessonNodes?: number): void {
    this.limits = limits;
    this.nodes = Math.min(limits.maxNodes, Math.max(limits.minNodes, lessonNodes ?? limits.defaultNodes));
  }

  render(lab: LabView | null): void {
    this.root.replaceChildren();
    this.root.dataset.state = lab?.state ?? 'none';
    if (!lab || lab.state === 'failed') {
      const select = h('select', { id: 'lab-nodes', 'aria-label': 'Nodes' });
      for (let n = this.limits.minNodes; n <= this.limits.maxNodes; n++) {
        select.append(
          h('option', { value: String(n), selected: n === this.nodes }, `${n} ${n === 1 ? 'node' : 'nodes'}`),
        );
      }
      select.addEventListener('change', () => {
        this.nodes = Number(select.value);
      });
      const start = h('button', { id: 'start-lab', class: 'primary' }, lab ? 'Try again' : 'Start lab');
      start.addEventListener('click', () => {
        start.disabled = true;
        this.socket.emit('lab:start', { nodes: this.nodes });
      });
      this.root.append(select, start);
      if (lab?.error) this.root.append(h('span', { class: 'lab-error' }, lab.error));
      return;
    }
    if (lab.state === 'starting' || lab.state === 'destroying') {
      const last = lab.progress.at(-1);
      this.root.append(
        h('span', { class: 'spinner', 'aria-hidden': 'true' }),
        h(
          'span',
          { class: 'lab-status' },
          lab.state === 'starting'
            ? `Starting ${lab.nodes.length} nodes${last ? `: ${last}` : '...'}`
            : 'Removing the lab...',
        ),
      );
      return;
    }
    const down = lab.nodes.filter((n) => n.status === 'down').map((n) => n.name);
    const status = h(
      'span',
      {
        class: 'lab-status',
        title: `Labs idle for ${Math.round(lab.idleTimeoutMs / 60_000)} minutes are removed.`,
      },
      `Lab: ${lab.nodes.length} nodes${lab.readyMs !== undefined ? `, ready in ${(lab.readyMs / 1000).toFixed(1)} s` : ''}`,
      down.length ? h('span', { class: 'lab-error' }, ` (down: ${down.join(', ')})`) : undefined,
    );
    const reset = h(
      'button',
      { id: 'reset-lab', title: 'A fresh lab of the same size: every node starts over' },
      'Reset',
    );
    reset.addEventListener('click', () => {
      if (confirm('Reset the lab? Every node starts over, with nothing on it.'))
        this.socket.emit('lab:reset');
    });
    const destroy = h('button', { id: 'destroy-lab', class: 'danger' }, 'Destroy');
    destroy.addEventListener('click', () => {
      if (confirm('Destroy the lab and its nodes?')) this.socket.emit('lab:destroy');
    });
    this.root.append(status, reset, destroy);
  }
}
