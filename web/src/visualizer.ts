import type { ClusterView, NodeColumn, TaskCard } from '../../server/protocol/cluster-view.js';
import { h } from './dom.js';

function taskCard(task: TaskCard): HTMLElement {
  return h(
    'div',
    {
      class: `task task-${task.state}`,
      'data-service': task.service,
      title: task.error ?? `${task.state} (desired: ${task.desiredState})`,
    },
    h(
      'div',
      { class: 'task-service' },
      task.slot !== undefined ? `${task.service}.${task.slot}` : task.service,
    ),
    h('div', { class: 'task-image' }, task.image),
    h(
      'div',
      { class: 'task-state' },
      task.state,
      task.error ? h('span', { class: 'task-error' }, `: ${task.error}`) : undefined,
    ),
  );
}

function nodeColumn(node: NodeColumn): HTMLElement {
  const down = node.status !== 'ready';
  return h(
    'div',
    {
      class: `vis-node${down ? ' down' : ''}${node.availability !== 'active' ? ` ${node.availability}` : ''}`,
      'data-node': node.name,
    },
    h(
      'div',
      { class: 'vis-node-head' },
      h(
        'div',
        { class: 'vis-node-name' },
        node.name,
        node.leader ? h('span', { class: 'leader', title: 'Raft leader' }, ' ★') : undefined,
      ),
      h('div', { class: 'vis-node-meta' }, `${node.role} · ${node.availability} · ${node.status}`),
    ),
    ...node.tasks.map(taskCard),
  );
}

/** The cluster view: nodes as columns, tasks as cards; redrawn on every push from the server. */
export function renderVisualizer(root: HTMLElement, view: ClusterView): void {
  const columns = view.nodes.map(nodeColumn);
  if (view.unassigned.length > 0) {
    columns.push(
      h(
        'div',
        { class: 'vis-node unassigned', 'data-node': '' },
        h(
          'div',
          { class: 'vis-node-head' },
          h('div', { class: 'vis-node-name' }, 'No node yet'),
          h('div', { class: 'vis-node-meta' }, 'pending tasks'),
        ),
        ...view.unassigned.map(taskCard),
      ),
    );
  }
  root.dataset.swarm = view.swarm;
  root.dataset.nodes = String(view.nodes.length);
  root.replaceChildren(
    h(
      'div',
      { class: 'vis-title' },
      h('strong', {}, 'Cluster'),
      ' ',
      h('span', { class: 'vis-message' }, view.message),
    ),
    h('div', { class: 'vis-columns' }, ...columns),
  );
}
