import { createServer, isIP, type Server, type Socket } from 'node:net';
import { posix } from 'node:path';
import { connectDirect, connectThroughGateway, GatewayError } from '../../netlib/connect-client.js';
import { parseHostPort } from '../../netlib/host-port.js';
import type { RuntimeConfig, RuntimeImage } from './config.js';

/** A container port and where it is reachable on the node. */
export interface PortMapping {
  targetPort: number;
  protocol: 'tcp' | 'udp';
  hostAddr: string;
  hostPort: number;
}

/** Maps container paths to the paths the runtime opens. */
export interface ContainerFs {
  /** An absolute container path (after `posix.resolve` against a working directory) -> a path to open. */
  resolve(path: string): string;
}

/** A network failure, with the errno-style code utilities print (`ENOTFOUND`, `ECONNREFUSED`, ...). */
export class ContainerNetError extends Error {
  override name = 'ContainerNetError';
  constructor(
    readonly code: 'ENOTFOUND' | 'ECONNREFUSED' | 'ETIMEDOUT' | 'EHOSTUNREACH' | 'ENETUNREACH' | 'ESERVFAIL',
    message: string,
  ) {
    super(message);
  }
}

/**
 * What a program sees of its container. Programs use it instead of `os.hostname()`, absolute paths or raw
 * sockets, so they behave the same inside bubblewrap and as plain processes.
 */
export interface ContainerContext {
  id: string;
  name: string;
  hostname: string;
  image: RuntimeImage;
  /** The container's environment (`KEY=value` resolved). */
  env: Map<string, string>;
  /** The container's argv (entrypoint + command). */
  args: string[];
  workingDir: string;
  /** The container's overlay addresses. */
  addresses: string[];
  fs: ContainerFs;
  /** Listens for container port `port` (on a free port of the node) and reports the mapping. */
  listen(port: number, server?: Server): Promise<Server>;
  /** The mapping of a port the container listens on. */
  mapping(port: number): PortMapping | undefined;
  /**
   * A TCP connection to `host:port` as seen from inside the container: `localhost` is the container itself;
   * names resolve through the node's DNS; other addresses go through the node's mesh gateway.
   */
  connect(
    host: string,
    port: number,
    options?: { timeoutMs?: number; signal?: AbortSignal },
  ): Promise<Socket>;
  /** Resolves a name to addresses as `connect` would (A records from the node's DNS). */
  lookup(host: string, options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<string[]>;
  /** The node's DNS server (`addr:port`), if any: nslookup prints it. */
  dnsServer?: string;
  /** Writes a line to the container's stderr (runtime messages). */
  log(line: string): void;
}

const loopbackNames = new Set(['localhost', 'localhost.localdomain', 'ip6-localhost', 'ip6-loopback']);

/** True for addresses a lab can reach: loopback and the private ranges overlay networks use. */
export function isLabAddress(address: string): boolean {
  if (isIP(address) !== 4) return address === '::1';
  const [a, b] = address.split('.').map(Number);
  return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || a === 0;
}

/** Paths under a container root: bind mounts first, then the root overlay. */
export function processFs(rootfs: string, mounts: RuntimeConfig['mounts']): ContainerFs {
  const sorted = [...mounts].sort((a, b) => b.target.length - a.target.length);
  return {
    resolve(path: string): string {
      const normalized = posix.resolve('/', path);
      for (const mount of sorted) {
        if (normalized === mount.target) return mount.source;
        if (normalized.startsWith(`${mount.target}/`)) {
          return posix.join(mount.source, normalized.slice(mount.target.length));
        }
      }
      return posix.join(rootfs, normalized);
    },
  };
}

/** Builds a container's context from its runtime config; `report` sends port mappings to the executor. */
export function createContainerContext(
  config: RuntimeConfig,
  image: RuntimeImage,
  report: (message: Record<string, unknown>) => void,
  log: (line: string) => void,
): ContainerContext {
  const env = new Map<string, string>();
  for (const entry of config.env) {
    const eq = entry.indexOf('=');
    if (eq > 0) env.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  const ports = new Map<number, PortMapping>();
  const fs: ContainerFs =
    config.sandbox === 'bubblewrap'
      ? { resolve: (path) => posix.resolve('/', path) }
      : processFs(config.rootfs, config.mounts);
  const gateway = config.gateway ? parseHostPort(config.gateway) : undefined;
  const dns = config.dns ? parseHostPort(config.dns) : undefined;
  const ownNames = new Set([config.hostname, config.id.slice(0, 12), config.name].filter(Boolean));

  const isSelf = (host: string) =>
    loopbackNames.has(host.toLowerCase()) ||
    host === '::1' ||
    host.startsWith('127.') ||
    host === '0.0.0.0' ||
    config.addresses.includes(host);

  const lookup: ContainerContext['lookup'] = async (host, options = {}) => {
    if (isIP(host)) return [host];
    if (loopbackNames.has(host.toLowerCase())) return ['127.0.0.1'];
    if (ownNames.has(host)) return [config.addresses[0] ?? '127.0.0.1'];
    if (!dns) throw new ContainerNetError('ENOTFOUND', `bad address '${host}'`);
    const { queryA } = await import('../../netlib/dns-client.js');
    const answer = await queryA(host, dns, options).catch((error: Error) => {
      throw new ContainerNetError('ETIMEDOUT', error.message);
    });
    if (answer.rcode === 'NOERROR' && answer.addresses.length > 0) return answer.addresses;
    if (answer.rcode === 'SERVFAIL') throw new ContainerNetError('ESERVFAIL', `bad address '${host}'`);
    throw new ContainerNetError('ENOTFOUND', `bad address '${host}'`);
  };

  const connectOwn = (port: number, options: { timeoutMs?: number; signal?: AbortSignal }) => {
    const mapping = ports.get(port);
    if (!mapping) {
      return Promise.reject(new ContainerNetError('ECONNREFUSED', `connect ECONNREFUSED 127.0.0.1:${port}`));
    }
    return connectDirect({ host: mapping.hostAddr, port: mapping.hostPort }, options);
  };

  return {
    id: config.id,
    name: config.name,
    hostname: config.hostname,
    image,
    env,
    args: config.argv,
    workingDir: config.workingDir,
    addresses: config.addresses,
    fs,
    dnsServer: config.dns,
    log,
    mapping: (port) => ports.get(port),
    lookup,
    async listen(port, server = createServer()) {
      if (ports.has(port)) {
        throw Object.assign(new Error(`listen tcp :${port}: bind: address already in use`), {
          code: 'EADDRINUSE',
        });
      }
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, config.nodeAddr, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const address = server.address();
      const hostPort = typeof address === 'object' && address ? address.port : 0;
      const mapping: PortMapping = { targetPort: port, protocol: 'tcp', hostAddr: config.nodeAddr, hostPort };
      ports.set(port, mapping);
      report({ type: 'port', ...mapping });
      server.once('close', () => {
        ports.delete(port);
        report({ type: 'port-closed', targetPort: port, protocol: 'tcp' });
      });
      return server;
    },
    async connect(host, port, options = {}) {
      if (isSelf(host)) return connectOwn(port, options);
      const [address] = await lookup(host, options);
      if (isSelf(address)) return connectOwn(port, options);
      if (!isLabAddress(address)) {
        throw new ContainerNetError(
          'ENETUNREACH',
          `connect ENETUNREACH ${address}:${port}: this lab has no route to the internet`,
        );
      }
      if (!gateway) return connectDirect({ host: address, port }, options);
      try {
        return await connectThroughGateway(gateway, { host: address, port }, options);
      } catch (error) {
        if (!(error instanceof GatewayError)) throw error;
        // The gateway's answer maps to what a direct connect would have seen.
        if (error.status === 502 || error.status === 503) {
          throw new ContainerNetError('ECONNREFUSED', `connect ECONNREFUSED ${address}:${port}`);
        }
        if (error.status === 504 || error.status === 0) {
          throw new ContainerNetError('ETIMEDOUT', `connect ETIMEDOUT ${address}:${port}`);
        }
        throw new ContainerNetError(
          'EHOSTUNREACH',
          `connect EHOSTUNREACH ${address}:${port}: no route to host`,
        );
      }
    },
  };
}
