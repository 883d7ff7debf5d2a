import type { ContainerState, Task } from '../../orchestrator/api/engine-types.js';
import type { Predicate } from './check-context.js';
import { noSwarmMessage } from './evaluate-check.js';

/**
 * The TypeScript checks lessons call with `predicate NAME args`: what declarative lines cannot say, such as
 * "differs from before" or a read on the node that runs a task.
 */
export const predicates: Record<string, Predicate> = {
  /** The worker join token differs from the one seen when the learner opened the step. */
  'join-token-rotated': async (ctx) => {
    const token = ctx.snapshot.swarm?.JoinTokens?.Worker;
    if (!token)
      return {
        ok: false,
        message: ctx.snapshot.manager ? 'cannot read the join tokens' : noSwarmMessage(ctx.snapshot),
      };
    const before = ctx.memo.get('worker-token-before');
    if (before === undefined) {
      ctx.memo.set('worker-token-before', token);
      return {
        ok: false,
        message: 'the worker join token is still the one the swarm had when this step began',
      };
    }
    return before === token
      ? {
          ok: false,
          message: 'the worker join token has not changed yet (docker swarm join-token --rotate worker)',
        }
      : { ok: true, message: 'the worker join token was rotated' };
  },

  /** Every running task of SERVICE has a container whose health check reports healthy. */
  'tasks-healthy': async (ctx, [service]) => {
    const { snapshot } = ctx;
    const spec = snapshot.services.find((s) => s.Spec?.Name === service);
    if (!spec)
      return {
        ok: false,
        message: snapshot.manager ? `service ${service} does not exist yet` : noSwarmMessage(snapshot),
      };
    const tasks = snapshot.tasks.filter(
      (t: Task) => t.ServiceID === spec.ID && t.DesiredState === 'running' && t.Status?.State === 'running',
    );
    if (tasks.length === 0) return { ok: false, message: `no task of ${service} is running yet` };
    for (const task of tasks) {
      const node = snapshot.swarmNodes.find((n) => n.ID === task.NodeID)?.Description?.Hostname;
      const container = task.Status?.ContainerStatus?.ContainerID;
      const name = `${service}.${task.Slot ?? task.NodeID?.slice(0, 12)}`;
      if (!node || !container) return { ok: false, message: `${name} has no container yet` };
      try {
        const inspect = await ctx.api<{ State?: ContainerState }>(node, `/containers/${container}/json`);
        const health = inspect.State?.Health?.Status;
        if (health !== 'healthy')
          return {
            ok: false,
            message: `${name} on ${node} is ${health ?? 'without a health check'}, not healthy yet`,
          };
      } catch (error) {
        return {
          ok: false,
          message: `cannot inspect the container of ${name} on ${node}: ${(error as Error).message}`,
        };
      }
    }
    return {
      ok: true,
      message: `${tasks.length} running ${tasks.length === 1 ? 'task' : 'tasks'} of ${service}, all healthy`,
    };
  },

  /** SERVICE's tasks are attached to the network NETWORK (the spec names networks by id). */
  'service-on-network': async (ctx, [service, network]) => {
    const { snapshot } = ctx;
    const spec = snapshot.services.find((s) => s.Spec?.Name === service);
    if (!spec)
      return {
        ok: false,
        message: snapshot.manager ? `service ${service} does not exist yet` : noSwarmMessage(snapshot),
      };
    const net = snapshot.networks.find((n) => n.Name === network);
    if (!net) return { ok: false, message: `network ${network} does not exist yet` };
    const targets = (spec.Spec?.TaskTemplate?.Networks ?? []).map((n) => n.Target);
    return targets.includes(net.Id) || targets.includes(network)
      ? { ok: true, message: `service ${service} is attached to network ${network}` }
      : {
          ok: false,
          message: `service ${service} is not attached to network ${network} (docker service update --network-add ${network} ${service})`,
        };
  },

  /** GET PATH on NODE's Engine API answers 2xx. */
  'api-answers': async (ctx, [node, path]) => {
    try {
      await ctx.api(node, path);
      return { ok: true, message: `${node} answers GET ${path}` };
    } catch (error) {
      return { ok: false, message: `${node} does not answer GET ${path}: ${(error as Error).message}` };
    }
  },
};
