import { engineRequest } from '../orchestrator/api/client.js';
import type { Swarm } from '../orchestrator/api/engine-types.js';
import type { Lab } from './provider.js';

/**
 * Makes a lab's nodes one swarm, as a learner would with the docker CLI: `swarm init` on the first node, then
 * `swarm join` on the others, the first `managers` nodes with the manager token (one at a time, as Raft adds
 * members one by one), the rest with the worker token.
 */
export async function bootstrapSwarm(
  lab: Lab,
  managers: number,
  progress: (message: string) => void,
): Promise<void> {
  if (managers < 1 || managers > lab.nodes.length) {
    throw new Error(
      `--managers must be between 1 and the number of nodes (${lab.nodes.length}), not ${managers}`,
    );
  }
  const [first, ...others] = lab.nodes;
  await engineRequest(first.dockerHost, 'POST', '/swarm/init', {
    ListenAddr: first.clusterAddr,
    AdvertiseAddr: first.clusterAddr,
    Spec: {},
  });
  progress(`${first.name}: swarm initialized`);
  const { body: swarm } = await engineRequest<Swarm>(first.dockerHost, 'GET', '/swarm');
  const join = (node: Lab['nodes'][number], token: string) =>
    engineRequest(node.dockerHost, 'POST', '/swarm/join', {
      ListenAddr: node.clusterAddr,
      AdvertiseAddr: node.clusterAddr,
      RemoteAddrs: [first.clusterAddr],
      JoinToken: token,
    });
  for (const node of others.slice(0, managers - 1)) {
    await join(node, swarm.JoinTokens?.Manager ?? '');
    progress(`${node.name}: joined as a manager`);
  }
  await Promise.all(
    others.slice(managers - 1).map(async (node) => {
      await join(node, swarm.JoinTokens?.Worker ?? '');
      progress(`${node.name}: joined as a worker`);
    }),
  );
}
