/**
 * Which overlay addresses are taken, per network: service virtual IPs and the addresses of tasks that have not
 * ended. Kept in step with the store (a listener on every applied transaction), so a write function running
 * against the latest state sees every address in use; addresses a write reserves stay pending until the
 * transaction applies, or are released when it fails.
 */
import type { NetworkObject, ServiceObject, TaskObject } from '../../store/objects.js';
import type { Store } from '../../store/store.js';
import { rankOf, stateRank } from '../../store/task-states.js';
import { formatIp, nextFreeAddress, parseCidr, parseIp, type Subnet } from './ipam.js';

/** One address an object holds: network, address, and the owner (a task id or `vip:<service id>`). */
interface Holding {
  networkId: string;
  ip: number;
  owner: string;
}

/** The addresses a service's virtual IPs hold. */
function serviceHoldings(service: ServiceObject | undefined): Holding[] {
  const holdings: Holding[] = [];
  for (const vip of service?.Endpoint?.VirtualIPs ?? []) {
    const ip = vip.Addr ? parseIp(vip.Addr.split('/')[0]) : undefined;
    if (vip.NetworkID && ip !== undefined)
      holdings.push({ networkId: vip.NetworkID, ip, owner: `vip:${service!.ID}` });
  }
  return holdings;
}

/** The addresses a task holds while it has not ended. */
function taskHoldings(task: TaskObject | undefined): Holding[] {
  if (!task || stateRank(task.Status.State) > rankOf.running) return [];
  const holdings: Holding[] = [];
  for (const attachment of task.NetworksAttachments ?? []) {
    const networkId = (attachment.Network as { ID?: string } | undefined)?.ID;
    if (!networkId) continue;
    for (const address of attachment.Addresses ?? []) {
      const ip = parseIp(address.split('/')[0]);
      if (ip !== undefined) holdings.push({ networkId, ip, owner: task.ID });
    }
  }
  return holdings;
}

/** The subnet the allocator gave a network. */
export function subnetOf(network: NetworkObject): Subnet | undefined {
  const config = network.IPAM?.Config[0];
  return config ? parseCidr(config.Subnet) : undefined;
}

/** The gateway address of a network. */
export function gatewayAddressOf(network: NetworkObject): number | undefined {
  const gateway = network.IPAM?.Config[0]?.Gateway;
  return gateway ? parseIp(gateway) : undefined;
}

const books = new WeakMap<Store, AddressBook>();

export class AddressBook {
  private readonly used = new Map<string, Map<number, string>>();
  private readonly pending = new Map<string, Map<number, symbol>>();
  private readonly hints = new Map<string, number>();

  /** The address book of `store` (created, and kept up to date, on first use). */
  static of(store: Store): AddressBook {
    let book = books.get(store);
    if (!book) {
      book = new AddressBook(store);
      books.set(store, book);
    }
    return book;
  }

  private constructor(private readonly store: Store) {
    this.rebuild();
    store.subscribe((change) => {
      if (change.reset) {
        this.rebuild();
        return;
      }
      for (const event of change.events) {
        if (event.table === 'services') {
          const before = serviceHoldings(event.action === 'delete' ? event.object : event.previous);
          this.apply(before, event.action === 'delete' ? [] : serviceHoldings(event.object));
        } else if (event.table === 'tasks') {
          const before = taskHoldings(event.action === 'delete' ? event.object : event.previous);
          this.apply(before, event.action === 'delete' ? [] : taskHoldings(event.object));
        } else if (event.table === 'networks' && event.action === 'delete') {
          this.used.delete(event.object.ID);
          this.pending.delete(event.object.ID);
          this.hints.delete(event.object.ID);
        }
      }
    });
  }

  /** Starts a set of reservations for one write; `release` frees those its transaction did not store. */
  reservations(): Reservations {
    return new Reservations(this);
  }

  /** True if `ip` is held or reserved on the network. */
  isTaken(networkId: string, ip: number): boolean {
    return this.used.get(networkId)?.has(ip) === true || this.pending.get(networkId)?.has(ip) === true;
  }

  /** How many addresses are held on the network (for tests and diagnostics). */
  countUsed(networkId: string): number {
    return this.used.get(networkId)?.size ?? 0;
  }

  /** @internal Reserves the next free address of `subnet` (never `gateway`) on the network for `token`. */
  reserve(networkId: string, subnet: Subnet, gateway: number | undefined, token: symbol): number | undefined {
    const ip = nextFreeAddress(
      subnet,
      (candidate) => candidate === gateway || this.isTaken(networkId, candidate),
      this.hints.get(networkId),
    );
    if (ip === undefined) return undefined;
    this.pendingOf(networkId).set(ip, token);
    this.hints.set(networkId, ip + 1);
    return ip;
  }

  /** @internal Drops the reservations of `token` that no applied transaction stored. */
  releasePending(token: symbol): void {
    for (const [networkId, reserved] of this.pending) {
      for (const [ip, owner] of reserved) if (owner === token) reserved.delete(ip);
      if (reserved.size === 0) this.pending.delete(networkId);
    }
  }

  private pendingOf(networkId: string): Map<number, symbol> {
    let reserved = this.pending.get(networkId);
    if (!reserved) this.pending.set(networkId, (reserved = new Map()));
    return reserved;
  }

  private apply(before: Holding[], after: Holding[]): void {
    const key = (h: Holding) => `${h.networkId}/${h.ip}`;
    const kept = new Set(after.map(key));
    for (const holding of before) {
      if (kept.has(key(holding))) continue;
      const used = this.used.get(holding.networkId);
      if (used?.get(holding.ip) === holding.owner) used.delete(holding.ip);
    }
    for (const holding of after) {
      let used = this.used.get(holding.networkId);
      if (!used) this.used.set(holding.networkId, (used = new Map()));
      used.set(holding.ip, holding.owner);
      this.pending.get(holding.networkId)?.delete(holding.ip);
    }
  }

  private rebuild(): void {
    this.used.clear();
    this.hints.clear();
    this.store.view((tx) => {
      for (const service of tx.list('services')) this.apply([], serviceHoldings(service));
      for (const task of tx.list('tasks')) this.apply([], taskHoldings(task));
    });
  }
}

/** The addresses one write reserved. */
export class Reservations {
  private readonly token = Symbol('reservation');

  constructor(private readonly book: AddressBook) {}

  /** Reserves the next free address of the network, as `a.b.c.d/n`; undefined if the subnet is full. */
  allocate(network: NetworkObject): string | undefined {
    const subnet = subnetOf(network);
    if (!subnet) return undefined;
    const ip = this.book.reserve(network.ID, subnet, gatewayAddressOf(network), this.token);
    return ip === undefined ? undefined : `${formatIp(ip)}/${subnet.bits}`;
  }

  /** Frees what was reserved but not stored (call once the write settled, whether it succeeded or not). */
  release(): void {
    this.book.releasePending(this.token);
  }
}
