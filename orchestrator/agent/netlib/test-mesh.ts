/**
 * Test support: a minimal node DNS server and mesh gateway speaking what `netlib` expects, so containers can
 * be tested against real sockets before (and independently of) `orchestrator/mesh/`. Semantics the real mesh
 * must keep: A records for known names, NXDOMAIN otherwise; CONNECT answers 200 and tunnels, 502 when the
 * target refuses, 404 for an address it does not know.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, type Server } from 'node:net';
import { decode, encode } from 'dns-packet';
import type { HostPort } from './host-port.js';

/** Answers A queries from `records` (name -> addresses); everything else is NXDOMAIN. */
export async function startTestDns(
  records: Map<string, string[]>,
): Promise<{ address: string; close(): void; queries: string[] }> {
  const socket: UdpSocket = createSocket('udp4');
  const queries: string[] = [];
  socket.on('message', (message, remote) => {
    let query: ReturnType<typeof decode>;
    try {
      query = decode(message);
    } catch {
      return;
    }
    const question = query.questions?.[0];
    if (!question) return;
    queries.push(question.name);
    const addresses = question.type === 'A' ? (records.get(question.name.toLowerCase()) ?? []) : [];
    const known = records.has(question.name.toLowerCase());
    const answer = encode({
      type: 'response',
      id: query.id,
      flags: (1 << 8) | (1 << 7) | (known ? 0 : 3),
      questions: [question],
      answers: addresses.map((data) => ({ type: 'A', class: 'IN', name: question.name, ttl: 600, data })),
    });
    socket.send(answer, remote.port, remote.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { address: `127.0.0.1:${socket.address().port}`, close: () => socket.close(), queries };
}

/**
 * Tunnels `CONNECT ip:port` to where `routes` says the virtual address's port lives: an address it does not
 * know gets 404, a known address without that port (or whose target refuses) 502, as a refused connect.
 */
export async function startTestGateway(
  routes: Map<string, Map<number, HostPort>>,
): Promise<{ address: string; close(): void; connects: string[] }> {
  const connects: string[] = [];
  const server: Server = createServer((client) => {
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      client.off('data', onData);
      const found = /^CONNECT ([^\s:]+):(\d+) HTTP\/1\.1\r\n/.exec(
        head.subarray(0, end + 2).toString('latin1'),
      );
      if (!found) {
        client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
        return;
      }
      connects.push(`${found[1]}:${found[2]}`);
      const ports = routes.get(found[1]);
      if (!ports) {
        client.end('HTTP/1.1 404 Not Found\r\n\r\n');
        return;
      }
      const target = ports.get(Number(found[2]));
      if (!target) {
        client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
        return;
      }
      const upstream = connect(target.port, target.host);
      upstream.once('connect', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        const rest = head.subarray(end + 4);
        if (rest.length > 0) upstream.write(rest);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      upstream.once('error', () => {
        if (!client.destroyed) client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
      });
      client.on('error', () => upstream.destroy());
    };
    client.on('data', onData);
    client.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    address: `127.0.0.1:${port}`,
    close: () => {
      server.close();
    },
    connects,
  };
}
