import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import dnsPacket from 'dns-packet';
import type { Names } from './names.js';

/** Seconds clients may cache a service's virtual IP... */
export const serviceTtl = 5;
/** ...and task addresses, which change with every scale or update. */
export const taskTtl = 1;

const rcode = { noError: 0, formErr: 1, servFail: 2, nxDomain: 3, notImp: 4 } as const;
const tcpIdleMs = 10_000;
const maxTcpMessage = 65_535;
/** A UDP answer fits in 512 bytes, or the size an EDNS client announces (up to 4096). */
const udpLimit = 512;

/**
 * The node's DNS server for its containers: A (and PTR) records of the swarm's services and tasks, over UDP
 * and TCP on one port of the node's address. It answers authoritatively for every name of the swarm, on
 * every network (it cannot tell which container asks), and NXDOMAIN for any other name: there is no
 * upstream resolver in a lab.
 */
export class DnsServer {
  private udp: UdpSocket | undefined;
  private tcp: Server | undefined;
  private readonly connections = new Set<Socket>();
  private names: Names | undefined;

  constructor(
    private readonly host: string,
    private readonly log: (line: string) => void,
  ) {}

  /** The `addr:port` containers send queries to. */
  get address(): string {
    const port = this.udp?.address().port;
    if (!port) throw new Error('the DNS server is not started');
    return `${this.host}:${port}`;
  }

  setNames(names: Names): void {
    this.names = names;
  }

  /** Binds a free UDP port, and TCP on the same port when it is free too (it usually is). */
  async start(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const udp = await bindUdp(this.host);
      const port = udp.address().port;
      try {
        this.tcp = await listenTcp(this.host, port, (socket) => this.onTcp(socket));
      } catch (error) {
        if (attempt < 10) {
          udp.close();
          continue;
        }
        this.log(
          `DNS: no TCP on ${this.host}:${port} (${(error as Error).message}); answering over UDP only`,
        );
      }
      this.udp = udp;
      udp.on('message', (message, from) => {
        const reply = this.answer(message, udpLimit);
        if (reply) udp.send(reply, from.port, from.address);
      });
      udp.on('error', (error) => this.log(`DNS: UDP socket error: ${error.message}`));
      return;
    }
  }

  close(): void {
    try {
      this.udp?.close();
    } catch {
      // already closed
    }
    this.tcp?.close();
    for (const socket of this.connections) socket.destroy();
    this.connections.clear();
  }

  /** The reply to one query message, or undefined when it is not worth one (garbage, or a response). */
  answer(message: Buffer, maxSize: number): Buffer | undefined {
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return message.length >= 12 ? header(message, rcode.formErr) : undefined;
    }
    if (query.type !== 'query') return undefined;
    if (maxSize === udpLimit) maxSize = udpPayloadSize(query);
    const opcode = ((query.flags ?? 0) >> 11) & 0xf;
    const questions = query.questions ?? [];
    if (opcode !== 0) return this.encode(query, rcode.notImp, [], maxSize);
    if (questions.length !== 1) return this.encode(query, rcode.formErr, [], maxSize);
    const question = questions[0]!;
    const { code, answers } = this.resolve(question);
    return this.encode(query, code, answers, maxSize);
  }

  private resolve(question: dnsPacket.Question): { code: number; answers: dnsPacket.Answer[] } {
    const names = this.names;
    if (!names || (question.class && question.class !== 'IN')) return { code: rcode.nxDomain, answers: [] };
    if (question.type === 'PTR') {
      const addr = fromReverseName(question.name);
      const name = addr ? names.reverseLookup(addr) : undefined;
      if (!name) return { code: rcode.nxDomain, answers: [] };
      return {
        code: rcode.noError,
        answers: [{ type: 'PTR', name: question.name, ttl: taskTtl, data: name }],
      };
    }
    const target = names.lookup(question.name);
    const addresses = target ? names.addresses(target) : [];
    if (!target || addresses.length === 0) return { code: rcode.nxDomain, answers: [] };
    if (question.type !== 'A' && (question.type as string) !== 'ANY')
      return { code: rcode.noError, answers: [] };
    const ttl = target.kind === 'service' && target.service.endpointMode === 'vip' ? serviceTtl : taskTtl;
    return {
      code: rcode.noError,
      answers: shuffle(addresses).map((data) => ({ type: 'A', name: question.name, ttl, data })),
    };
  }

  private encode(
    query: dnsPacket.Packet,
    code: number,
    answers: dnsPacket.Answer[],
    maxSize: number,
  ): Buffer {
    const recursionDesired = (query.flags ?? 0) & dnsPacket.RECURSION_DESIRED;
    const flags = dnsPacket.AUTHORITATIVE_ANSWER | recursionDesired | code;
    const response = (list: dnsPacket.Answer[], truncated: boolean): Buffer =>
      dnsPacket.encode({
        type: 'response',
        id: query.id ?? 0,
        flags: flags | (truncated ? dnsPacket.TRUNCATED_RESPONSE : 0),
        questions: query.questions ?? [],
        answers: list,
      });
    let reply = response(answers, false);
    if (reply.length <= maxSize) return reply;
    let fit = answers.length;
    while (fit > 0 && reply.length > maxSize) reply = response(answers.slice(0, --fit), true);
    return reply;
  }

  private onTcp(socket: Socket): void {
    this.connections.add(socket);
    socket.setTimeout(tcpIdleMs, () => socket.destroy());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.connections.delete(socket));
    let buffered: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
      while (buffered.length >= 2) {
        const length = buffered.readUInt16BE(0);
        if (buffered.length < 2 + length) break;
        const reply = this.answer(buffered.subarray(2, 2 + length), maxTcpMessage);
        buffered = buffered.subarray(2 + length);
        if (!reply) continue;
        const framed = Buffer.alloc(2 + reply.length);
        framed.writeUInt16BE(reply.length, 0);
        reply.copy(framed, 2);
        socket.write(framed);
      }
    });
  }
}

function udpPayloadSize(query: dnsPacket.Packet): number {
  const opt = (query.additionals ?? []).find((a) => a.type === 'OPT') as
    | { udpPayloadSize?: number }
    | undefined;
  return Math.min(4096, Math.max(udpLimit, opt?.udpPayloadSize ?? udpLimit));
}

/** A reply carrying only the query's id and an error code, for a message too broken to decode. */
function header(message: Buffer, code: number): Buffer {
  const reply = Buffer.alloc(12);
  message.copy(reply, 0, 0, 2);
  reply.writeUInt16BE(0x8000 | (message.readUInt16BE(2) & 0x7800) | code, 2);
  return reply;
}

/** `4.3.2.1.in-addr.arpa` -> `1.2.3.4`. */
function fromReverseName(name: string): string | undefined {
  const match = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\.in-addr\.arpa\.?$/i.exec(name);
  return match ? `${match[4]}.${match[3]}.${match[2]}.${match[1]}` : undefined;
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

function bindUdp(host: string): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind({ address: host, port: 0 }, () => {
      socket.removeListener('error', reject);
      resolve(socket);
    });
  });
}

function listenTcp(host: string, port: number, onConnection: (socket: Socket) => void): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(onConnection);
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.removeListener('error', reject);
      server.on('error', () => {});
      resolve(server);
    });
  });
}
