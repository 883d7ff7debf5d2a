/** Real clients and servers for mesh tests: HTTP backends, a DNS client, a CONNECT client. */
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { type Agent, createServer, request } from 'node:http';
import { connect, createServer as createTcpServer, type Socket } from 'node:net';
import dnsPacket from 'dns-packet';
import type { TaskEndpoint } from '../../store/objects.js';

export interface HttpBackend {
  name: string;
  host: string;
  port: number;
  /** Connections accepted so far. */
  connections: number;
  requests: number;
  endpoint(targetPort: number): TaskEndpoint;
  /** Stops accepting; open connections finish. */
  stopListening(): Promise<void>;
  close(): Promise<void>;
}

/** An HTTP server answering `The hostname is <name>!`, like the talk's demo app. */
export async function startHttpBackend(host: string, name: string): Promise<HttpBackend> {
  const server = createServer((req, res) => {
    backend.requests++;
    req.resume();
    req.on('end', () => res.end(`The hostname is ${name}!`));
  });
  server.on('connection', () => backend.connections++);
  server.listen(0, host);
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const backend: HttpBackend = {
    name,
    host,
    port,
    connections: 0,
    requests: 0,
    endpoint: (targetPort) => ({ targetPort, protocol: 'tcp', hostAddr: host, hostPort: port }),
    stopListening: () => new Promise((resolve) => server.close(() => resolve())),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return backend;
}

/** GETs `/` and returns the body; rejects on any failure. */
export function httpGet(
  host: string,
  port: number,
  agent: Agent | false = false,
  timeoutMs = 10_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: '/', agent, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () =>
        res.statusCode === 200 ? resolve(body) : reject(new Error(`status ${res.statusCode}`)),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** A decoded DNS reply (dns-packet decodes the response code, its types do not say so). */
export type DnsReply = dnsPacket.DecodedPacket & { rcode: string };

/** Sends one DNS query over UDP (or TCP) to `server` (`addr:port`) and returns the decoded reply. */
export async function dnsQuery(
  server: string,
  name: string,
  type: dnsPacket.RecordType = 'A',
  transport: 'udp' | 'tcp' = 'udp',
): Promise<DnsReply> {
  const [host, port] = splitAddr(server);
  const id = Math.floor(Math.random() * 65535);
  const query = dnsPacket.encode({
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type, name, class: 'IN' }],
  });
  if (transport === 'udp') {
    const socket = createSocket('udp4');
    try {
      socket.send(query, port, host);
      const [message] = (await once(socket, 'message', { signal: AbortSignal.timeout(5_000) })) as [Buffer];
      const reply = dnsPacket.decode(message) as DnsReply;
      if (reply.id !== id) throw new Error('DNS reply id does not match the query');
      return reply;
    } finally {
      socket.close();
    }
  }
  const socket = connect({ host, port });
  try {
    await once(socket, 'connect');
    socket.write(
      dnsPacket.streamEncode({
        type: 'query',
        id,
        flags: dnsPacket.RECURSION_DESIRED,
        questions: [{ type, name, class: 'IN' }],
      }),
    );
    let buffered = Buffer.alloc(0);
    for await (const chunk of socket) {
      buffered = Buffer.concat([buffered, chunk as Buffer]);
      if (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) break;
    }
    return dnsPacket.streamDecode(buffered) as DnsReply;
  } finally {
    socket.destroy();
  }
}

/** The A records of a reply, sorted. */
export function aRecords(reply: dnsPacket.DecodedPacket): string[] {
  return (reply.answers ?? [])
    .filter((a) => a.type === 'A')
    .map((a) => (a as { data: string }).data)
    .sort();
}

/** Sends `CONNECT target` to a gateway; resolves with the status code and, on 200, the tunnel socket. */
export async function connectThrough(
  gateway: string,
  target: string,
): Promise<{ status: number; body: string; socket: Socket }> {
  const [host, port] = splitAddr(gateway);
  const socket = connect({ host, port });
  await once(socket, 'connect');
  socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
  let received = Buffer.alloc(0);
  while (received.indexOf('\r\n\r\n') < 0) {
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    received = Buffer.concat([received, chunk]);
  }
  const end = received.indexOf('\r\n\r\n');
  const status = Number(received.subarray(9, 12).toString());
  if (status === 200) {
    socket.pause();
    if (received.length > end + 4) socket.unshift(received.subarray(end + 4));
    return { status, body: '', socket };
  }
  let body = received.subarray(end + 4).toString();
  socket.on('data', (chunk) => (body += chunk));
  await once(socket, 'end').catch(() => {});
  socket.destroy();
  return { status, body, socket };
}

/** One HTTP/1.0 GET over an open socket (a tunnel); resolves with the body. */
export async function getOver(socket: Socket): Promise<string> {
  socket.write('GET / HTTP/1.0\r\nHost: x\r\n\r\n');
  socket.resume();
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk) => (text += chunk));
  await once(socket, 'end');
  socket.destroy();
  return text.slice(text.indexOf('\r\n\r\n') + 4);
}

/** A port that was free on `host` a moment ago. */
export async function freePort(host: string): Promise<number> {
  const server = createTcpServer();
  server.listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export function splitAddr(addr: string): [string, number] {
  const colon = addr.lastIndexOf(':');
  return [addr.slice(0, colon), Number(addr.slice(colon + 1))];
}

/** Waits until `check` passes (or throws its last error after `timeoutMs`). */
export async function eventually(check: () => void | Promise<void>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
