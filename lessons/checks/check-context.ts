import { EngineApiError, engineRequest } from '../../orchestrator/api/client.js';
import type { CheckResult } from './check-types.js';
import type { ClusterSnapshot, LabTarget } from './cluster-snapshot.js';
import { type HttpAnswer, httpGet } from './http-probe.js';

/** What a check reads: the lab, the latest snapshot, and live reads for what the snapshot lacks. */
export interface CheckContext {
  lab: LabTarget;
  snapshot: ClusterSnapshot;
  /** Values of `$NAME` in check lines: SWARM_1.. (node addresses), NODES (how many). */
  vars: Record<string, string>;
  /** Per learner and lesson: lets a predicate compare with what it saw before (e.g. a token before rotation). */
  memo: Map<string, unknown>;
  /** GET on a lab node's Engine API; rejects with EngineApiError (status, message) on a non-2xx answer. */
  api<T>(node: string, path: string): Promise<T>;
  http(addr: string, port: number, path: string): Promise<HttpAnswer>;
}

/** A TypeScript check for what the declarative lines cannot say; `predicate NAME args` calls it. */
export type Predicate = (ctx: CheckContext, args: string[]) => Promise<CheckResult>;

/** The variables of a lab: SWARM_1=addr..., DOCKER_HOST_SWARM_1=unix://..., NODES=n. */
export function labVariables(lab: LabTarget): Record<string, string> {
  const vars: Record<string, string> = { NODES: String(lab.nodes.length) };
  for (const node of lab.nodes) {
    const key = node.name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
    vars[key] = node.addr;
    vars[`DOCKER_HOST_${key}`] = node.dockerHost;
  }
  return vars;
}

/** The context checks run in against a real lab. */
export function createCheckContext(
  lab: LabTarget,
  snapshot: ClusterSnapshot,
  memo = new Map<string, unknown>(),
): CheckContext {
  return {
    lab,
    snapshot,
    vars: labVariables(lab),
    memo,
    api: async <T>(name: string, path: string) => {
      const node = lab.nodes.find((n) => n.name === name);
      if (!node) throw new Error(`the lab has no node ${name}`);
      return (await engineRequest<T>(node.dockerHost, 'GET', path, undefined, { timeoutMs: 2_000 })).body;
    },
    http: (addr, port, path) => httpGet(addr, port, path),
  };
}

export { EngineApiError };
