import type { Socket } from 'node:net';

/** Connections idle this long in both directions are closed (IPVS keeps established TCP entries 15 minutes). */
export const defaultIdleTimeoutMs = 15 * 60_000;
/** What a connection keeps of the client's bytes to replay to another task, until its task answers. */
export const maxReplayBytes = 64 * 1024;

/** Connects to the next task for a connection whose task went away before answering (see `forward`). */
export type Redial = (done: (backend: Socket | undefined) => void) => void;

/** Relays bytes between a client's connection and a task's, in both directions. */
export interface Forwarder {
  /**
   * Relays until both directions ended (a half-close is passed on: the other direction keeps flowing), one
   * side fails (the other is closed too), or nothing moved for the idle timeout. `head`: bytes already read
   * from `client`, sent to `backend` first; `toClient`: bytes sent to `client` first. With `redial`, a
   * backend that closes or resets before answering a byte is replaced, and gets what the client sent so far.
   */
  forward(client: Socket, backend: Socket, head?: Buffer, toClient?: Buffer, redial?: Redial): void;
  /** Connections being relayed. */
  readonly active: number;
  /** Closes every relayed connection at once. */
  closeAll(): void;
}

/** The relay in JavaScript (when the native one is not built): socket events, backpressure by pause/resume. */
export class JsRelay implements Forwarder {
  private readonly connections = new Set<{ client: Socket; backend: Socket }>();

  constructor(private readonly idleTimeoutMs = defaultIdleTimeoutMs) {}

  get active(): number {
    return this.connections.size;
  }

  forward(client: Socket, firstBackend: Socket, head?: Buffer, toClient?: Buffer, redial?: Redial): void {
    const connection = { client, backend: firstBackend };
    this.connections.add(connection);
    let replay: Buffer[] | undefined = redial ? [] : undefined;
    let replayBytes = 0;
    let clientEnded = false;
    let finished = false;
    const idleTimeoutMs = this.idleTimeoutMs;

    const finish = (): void => {
      if (finished) return;
      finished = true;
      this.connections.delete(connection);
    };
    const destroyBoth = (): void => {
      connection.client.destroy();
      connection.backend.destroy();
      finish();
    };
    const closed = (): void => {
      if (!replacing && connection.client.destroyed && connection.backend.destroyed) finish();
    };

    const attachBackend = (backend: Socket): void => {
      connection.backend = backend;
      backend.setNoDelay(true);
      backend.setTimeout(idleTimeoutMs, destroyBoth);
      backend.on('data', (chunk: Buffer) => {
        replay = undefined; // the task answered: it is the one
        if (!client.write(chunk)) {
          backend.pause();
          client.once('drain', () => backend.resume());
        }
      });
      backend.on('end', () => {
        if (replace(backend)) return;
        client.end();
      });
      backend.on('error', () => {
        if (replace(backend)) return;
        destroyBoth();
      });
      backend.on('close', (hadError) => {
        if (hadError && !replacing) destroyBoth();
        else closed();
      });
    };

    /** The task went away before answering: the next one gets the connection. */
    let replacing = false;
    const replace = (backend: Socket): boolean => {
      if (replacing) return true;
      if (!redial || !replay || backend !== connection.backend) return false;
      if (clientEnded && replayBytes === 0) return false; // the client left without asking anything
      replacing = true;
      const kept = replay;
      backend.removeAllListeners();
      backend.on('error', () => {});
      backend.setTimeout(0);
      backend.destroy();
      client.pause();
      redial((next) => {
        replacing = false;
        if (!next || client.destroyed) {
          next?.destroy();
          client.resetAndDestroy();
          finish();
          return;
        }
        attachBackend(next);
        for (const chunk of kept) next.write(chunk);
        if (clientEnded) next.end();
        client.resume();
      });
      return true;
    };

    client.setNoDelay(true);
    client.setTimeout(idleTimeoutMs, destroyBoth);
    client.on('data', (chunk: Buffer) => {
      if (replay) {
        replayBytes += chunk.length;
        if (replayBytes > maxReplayBytes) replay = undefined;
        else replay.push(chunk);
      }
      const backend = connection.backend;
      if (!backend.write(chunk)) {
        client.pause();
        backend.once('drain', () => client.resume());
      }
    });
    client.on('end', () => {
      clientEnded = true;
      connection.backend.end();
    });
    client.on('error', destroyBoth);
    client.on('close', (hadError) => {
      if (hadError) destroyBoth();
      else closed();
    });

    attachBackend(firstBackend);
    if (toClient && toClient.length > 0) client.write(toClient);
    if (head && head.length > 0) {
      if (replay) {
        replay.push(head);
        replayBytes += head.length;
      }
      firstBackend.write(head);
    }
    client.resume();
  }

  closeAll(): void {
    for (const { client, backend } of this.connections) {
      client.destroy();
      backend.destroy();
    }
    this.connections.clear();
  }
}
