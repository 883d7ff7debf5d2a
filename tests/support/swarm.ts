import { execFile } from 'node:child_process';
import { type Agent, request } from 'node:http';
import { dirname } from 'node:path';
import type { LabNode } from '../../labs/provider.js';
import { engineRequest } from '../../orchestrator/api/client.js';
import type { Node, Service, Task } from '../../orchestrator/api/engine-types.js';
import { type CommandResult, docker, realDocker } from './docker.js';

/** The tasks of a service, as a manager lists them (`GET /tasks?filters={"service":[name]}`). */
export async function tasksOf(manager: LabNode, service: string): Promise<Task[]> {
  const filters = encodeURIComponent(JSON.stringify({ service: [service] }));
  return (await engineRequest<Task[]>(manager.dockerHost, 'GET', `/tasks?filters=${filters}`)).body;
}

/** Tasks that should run and do. */
export async function runningTasksOf(manager: LabNode, service: string): Promise<Task[]> {
  return (await tasksOf(manager, service)).filter(
    (t) => t.DesiredState === 'running' && t.Status?.State === 'running',
  );
}

export async function serviceOf(manager: LabNode, name: string): Promise<Service> {
  return (await engineRequest<Service>(manager.dockerHost, 'GET', `/services/${name}`)).body;
}

/** Node id -> the lab node (by hostname) it is. */
export async function nodesById(manager: LabNode, lab: LabNode[]): Promise<Map<string, LabNode>> {
  const nodes = (await engineRequest<Node[]>(manager.dockerHost, 'GET', '/nodes')).body;
  const byId = new Map<string, LabNode>();
  for (const node of nodes) {
    const labNode = lab.find((n) => n.name === node.Description?.Hostname);
    if (labNode) byId.set(node.ID ?? '', labNode);
  }
  return byId;
}

/** `docker ps` on a node, as `name`, one per container, with `--format '{{.Names}}'`. */
export async function containerNames(node: LabNode, args: string[] = []): Promise<string[]> {
  const ps = await docker(node, ['ps', ...args, '--format', '{{.Names}}']);
  if (ps.code !== 0) throw new Error(`docker ps on ${node.name} failed: ${ps.stderr}`);
  return ps.stdout.split('\n').filter(Boolean);
}

export interface HttpAnswer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** One HTTP GET; `agent: false` opens a fresh connection, an Agent with keepAlive reuses one. */
export function httpGet(
  host: string,
  port: number,
  path = '/',
  agent: Agent | false = false,
  timeoutMs = 5_000,
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, agent, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          headers: res.headers,
        }),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`GET http://${host}:${port}${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** The pattern the demo app answers with: its container's 12-hex-digit hostname. */
export const hostnameAnswer = /^The hostname is ([0-9a-f]{12})!$/;

/** Runs a shell script as a learner's terminal on `node` would (DOCKER_HOST set to the node's API). */
export function shell(
  node: LabNode,
  script: string,
  cwd?: string,
  vars: Record<string, string> = {},
): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      'sh',
      ['-c', script],
      {
        cwd,
        env: {
          ...process.env,
          ...vars,
          ...(realDocker ? { PATH: `${dirname(realDocker)}:${process.env.PATH}` } : {}),
          DOCKER_HOST: node.dockerHost,
          DOCKER_CONFIG: '/tmp/swarmlab-test-docker-config',
        },
        timeout: 120_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
