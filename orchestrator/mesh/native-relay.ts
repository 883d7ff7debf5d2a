/**
 * The native data plane (native/relay.c, built by node-gyp): published TCP ports accepted, balanced and
 * relayed on a thread of their own, and connections the gateway hands over relayed there too. No JavaScript
 * runs per connection or per chunk. When the addon is not built, the mesh relays in JavaScript instead.
 */
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import type { Forwarder } from './forwarder.js';
import type { Backend } from './routes.js';

interface Binding {
  createGroup(idleTimeoutMs: number, connectTimeoutMs: number): number;
  listen(group: number, host: string, port: number, backlog: number): number;
  setBackends(listener: number, hosts: string[], ports: number[]): void;
  closeListener(listener: number): void;
  splice(group: number, clientFd: number, backendFd: number, toBackend?: Buffer, toClient?: Buffer): void;
  closeGroup(group: number): void;
  stats(group: number): { active: number; accepted: number; failed: number };
  setSpin(microseconds: number): void;
}

/** Where `npm run build:mesh-native` (node-gyp) leaves the addon, from dist/orchestrator/mesh/. */
const addonPath = new URL('../../../orchestrator/mesh/native/build/Release/mesh_relay.node', import.meta.url);

let binding: Binding | null | undefined;

/** The addon, or undefined when it is not built (or `SWARMLAB_MESH_RELAY=js` asks for the JavaScript relay). */
export function nativeBinding(): Binding | undefined {
  if (binding === undefined) {
    binding = null;
    if (process.env.SWARMLAB_MESH_RELAY !== 'js' && process.platform === 'linux') {
      try {
        binding = createRequire(import.meta.url)(addonPath.pathname) as Binding;
      } catch {
        binding = null;
      }
    }
  }
  return binding ?? undefined;
}

/** One mesh's share of the native relay: its listeners and connections, closed together. */
export class NativeRelay implements Forwarder {
  private readonly group: number;

  constructor(
    private readonly native: Binding,
    idleTimeoutMs: number,
    connectTimeoutMs: number,
    spinUs: number,
  ) {
    this.group = native.createGroup(idleTimeoutMs, connectTimeoutMs);
    native.setSpin(spinUs); // one relay thread per process: the last mesh created sets it
  }

  /** Listens on a published port; throws an error with `code` (EADDRINUSE, EACCES...) when it cannot. */
  listen(host: string, port: number): number {
    return this.native.listen(this.group, host, port, 1024);
  }

  /** The tasks new connections to a listener go to, in turn, from now on. */
  setBackends(listener: number, backends: readonly Backend[]): void {
    this.native.setBackends(
      listener,
      backends.map((b) => b.host),
      backends.map((b) => b.port),
    );
  }

  closeListener(listener: number): void {
    this.native.closeListener(listener);
  }

  forward(client: Socket, backend: Socket, head?: Buffer, toClient?: Buffer): void {
    const clientFd = fdOf(client);
    const backendFd = fdOf(backend);
    if (clientFd === undefined || backendFd === undefined) {
      client.destroy();
      backend.destroy();
      return;
    }
    // Bytes Node read from the client meanwhile (it was paused, but reads ahead) go first.
    const buffered: Buffer[] = [];
    for (let chunk = client.read(); chunk !== null; chunk = client.read()) buffered.push(chunk as Buffer);
    const first = head || buffered.length ? Buffer.concat([head ?? Buffer.alloc(0), ...buffered]) : undefined;
    try {
      this.native.splice(this.group, clientFd, backendFd, first, toClient);
    } finally {
      // The relay holds duplicates of the descriptors: closing Node's copies neither resets nor ends anything.
      client.destroy();
      backend.destroy();
    }
  }

  get active(): number {
    return this.native.stats(this.group).active;
  }

  /** Connections that found no task to go to (none routable, or none accepting). */
  get failed(): number {
    return this.native.stats(this.group).failed;
  }

  closeAll(): void {
    this.native.closeGroup(this.group);
  }
}

function fdOf(socket: Socket): number | undefined {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}
