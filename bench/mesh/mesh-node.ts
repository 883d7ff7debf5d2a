// The routing mesh of a node that runs no task of the service, in its own process. Reads its options and the
// mesh table as one JSON line on stdin, prints {"ready": true, "relay": ...} once the published port listens;
// exits when its stdin closes.
import { createInterface } from 'node:readline';
import { Mesh } from '../../orchestrator/mesh/mesh.js';
import type { MeshTable } from '../../orchestrator/mesh/mesh-table.js';

interface Setup {
  nodeAddr: string;
  nodeId: string;
  relay: 'native' | 'js';
  spinUs?: number;
  table: MeshTable;
}

const lines = createInterface({ input: process.stdin });
lines.once('line', async (line) => {
  const setup = JSON.parse(line) as Setup;
  const mesh = new Mesh({
    nodeAddr: setup.nodeAddr,
    nodeId: setup.nodeId,
    relay: setup.relay,
    ...(setup.spinUs !== undefined ? { relaySpinUs: setup.spinUs } : {}),
    log: (text) => console.error(`mesh: ${text}`),
  });
  await mesh.start();
  mesh.update(setup.table);
  while (mesh.publishedPorts.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  console.log(JSON.stringify({ ready: true, relay: mesh.relay }));
  lines.once('close', () => {
    void mesh.close().then(() => process.exit(0));
  });
});
