/** The visualizer's page: nodes as columns, their tasks as cards; rendered on the server, refreshed by polling. */

export interface ClusterView {
  nodes: unknown[];
  tasks: unknown[];
  services: unknown[];
}

type Json = Record<string, unknown>;

const escapeHtml = (text: unknown) =>
  String(text ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

const get = (value: unknown, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>((at, key) => (at && typeof at === 'object' ? (at as Json)[key] : undefined), value);

/** The columns and cards as HTML (the same markup the page's script builds). */
export function renderColumns(view: ClusterView): string {
  const services = new Map<string, string>();
  for (const service of view.services)
    services.set(String(get(service, 'ID')), String(get(service, 'Spec.Name') ?? ''));
  const nodes = [...view.nodes].sort((a, b) =>
    String(get(a, 'Description.Hostname')).localeCompare(String(get(b, 'Description.Hostname'))),
  );
  return nodes
    .map((node) => {
      const id = String(get(node, 'ID'));
      const tasks = view.tasks.filter(
        (task) => get(task, 'NodeID') === id && get(task, 'DesiredState') === 'running',
      );
      const role =
        get(node, 'Spec.Role') === 'manager'
          ? get(node, 'ManagerStatus.Leader')
            ? 'leader'
            : 'manager'
          : 'worker';
      const cards = tasks
        .map((task) => {
          const service = services.get(String(get(task, 'ServiceID'))) ?? '';
          const slot = get(task, 'Slot');
          const state = String(get(task, 'Status.State') ?? '');
          const image = String(get(task, 'Spec.ContainerSpec.Image') ?? '').split('@')[0];
          return `<div class="card state-${escapeHtml(state)}"><b>${escapeHtml(service)}${slot ? `.${escapeHtml(slot)}` : ''}</b><span>${escapeHtml(image)}</span><span>${escapeHtml(state)}</span></div>`;
        })
        .join('');
      return `<section class="node"><header><h2>${escapeHtml(get(node, 'Description.Hostname'))}</h2><small>${escapeHtml(role)} · ${escapeHtml(get(node, 'Spec.Availability'))} · ${escapeHtml(get(node, 'Status.State'))}</small></header>${cards}</section>`;
    })
    .join('');
}

const script = (intervalMs: number, root: string) => `
const escapeHtml = (t) => String(t ?? '').replace(/[&<>"']/g, (c) => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'})[c]);
const get = (v, p) => p.split('.').reduce((a, k) => (a && typeof a === 'object' ? a[k] : undefined), v);
${renderColumns.toString().replace(/^function renderColumns/, 'function render')}
async function refresh() {
  try {
    const [nodes, tasks, services] = await Promise.all(['nodes', 'tasks', 'services'].map((p) => fetch('${root}apis/' + p).then((r) => { if (!r.ok) throw new Error(r.status); return r.json(); })));
    document.getElementById('cluster').innerHTML = render({ nodes, tasks, services });
    document.getElementById('error').textContent = '';
  } catch (e) {
    document.getElementById('error').textContent = 'cannot read the cluster: ' + e.message;
  }
}
setInterval(refresh, ${intervalMs});
`;

/** The whole page, with the cluster as it is now and a script that refreshes it every `intervalMs`. */
export function renderPage(
  view: ClusterView | undefined,
  error: string | undefined,
  intervalMs: number,
  root: string,
): string {
  return `<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>Visualizer</title>
<style>
body { font-family: Helvetica, Arial, sans-serif; background: #f4f6f8; margin: 0; }
h1 { font-size: 18px; padding: 12px 16px; margin: 0; background: #254356; color: #fff; }
#cluster { display: flex; gap: 12px; padding: 16px; align-items: flex-start; }
.node { background: #fff; border-radius: 6px; min-width: 200px; padding: 8px; box-shadow: 0 1px 3px rgba(0,0,0,.2); }
.node h2 { font-size: 16px; margin: 4px 0; }
.node small { color: #666; }
.card { border-left: 4px solid #999; background: #eef2f5; margin-top: 8px; padding: 6px; display: flex; flex-direction: column; font-size: 13px; }
.card.state-running { border-color: #2ca02c; }
.card.state-starting, .card.state-preparing, .card.state-assigned, .card.state-pending { border-color: #ff9f1c; }
.card.state-failed, .card.state-rejected { border-color: #d62728; }
#error { color: #d62728; padding: 0 16px; }
</style>
</head>
<body>
<h1>Docker Swarm Visualizer</h1>
<div id="error">${escapeHtml(error ?? '')}</div>
<div id="cluster">${view ? renderColumns(view) : ''}</div>
<script>${script(intervalMs, root)}</script>
</body>
</html>
`;
}
