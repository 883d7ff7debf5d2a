/**
 * The allocator loop (SwarmKit's manager/allocator): gives each new task an address on every network its
 * service uses (the ingress network too when the service publishes ingress ports) and moves it from `new` to
 * `pending` for the scheduler. Service endpoints (ports, virtual IPs) are allocated by controlapi when a
 * service is written; the loop completes any it finds incomplete. Addresses return to the pool when their task
 * ends or is deleted, virtual IPs when their service is deleted (see AddressBook).
 */
import type { NetworkAttachment } from '../../api/engine-types.js';
import type { TaskObject } from '../../store/objects.js';
import type { Store } from '../../store/store.js';
import { rankOf, stateRank } from '../../store/task-states.js';
import type { WriteTx } from '../../store/transaction.js';
import type { ChangeSet } from '../../store/watch.js';
import { Coalescer, type LoopLogger, warn } from '../orchestrator/loop-utils.js';
import { AddressBook, type Reservations } from './address-book.js';
import { allocateEndpoint, endpointIncomplete, needsIngress, taskNetworkIds } from './endpoint.js';
import { attachmentNetwork, findIngressNetwork } from './networks.js';

/** The status message of an allocated task, as SwarmKit writes it. */
export const allocatedMessage = 'pending task scheduling';

export class Allocator {
  private readonly tasks = new Set<string>();
  private readonly services = new Set<string>();
  private readonly book: AddressBook;
  private readonly flusher: Coalescer;

  constructor(
    private readonly store: Store,
    private readonly log: LoopLogger = warn,
  ) {
    this.book = AddressBook.of(store);
    this.flusher = new Coalescer(() => this.flush(), log, 'allocator: allocation');
  }

  /** Allocates what waits, then follows the store until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const changes = this.store.watch(signal);
    this.init();
    this.flusher.request();
    for await (const change of changes) {
      if (change.reset) this.init();
      else this.handle(change);
      if (this.tasks.size + this.services.size > 0) this.flusher.request();
    }
    await this.flusher.settled();
  }

  private init(): void {
    this.store.view((tx) => {
      for (const service of tx.list('services'))
        if (endpointIncomplete(tx, service)) this.services.add(service.ID);
      for (const task of tx.list('tasks')) if (this.waits(task)) this.tasks.add(task.ID);
    });
  }

  private handle(change: ChangeSet): void {
    for (const event of change.events) {
      if (event.table === 'tasks') {
        if (event.action !== 'delete' && this.waits(event.object)) this.tasks.add(event.object.ID);
      } else if (event.table === 'services' && event.action !== 'delete') {
        const service = event.object;
        if (this.store.view((tx) => endpointIncomplete(tx, service))) this.services.add(service.ID);
        // Tasks that waited for their service's endpoint.
        for (const task of this.store.view((tx) => tx.tasksByService(service.ID))) {
          if (this.waits(task)) this.tasks.add(task.ID);
        }
      } else if (event.table === 'networks' && event.action === 'create' && event.object.Spec.Ingress) {
        // Services that publish ports could not get their ingress VIP before.
        this.store.view((tx) => {
          for (const service of tx.list('services'))
            if (endpointIncomplete(tx, service)) this.services.add(service.ID);
        });
      }
    }
  }

  private waits(task: TaskObject): boolean {
    return task.Status.State === 'new' && stateRank(task.DesiredState) <= rankOf.running;
  }

  private async flush(): Promise<void> {
    const serviceIds = [...this.services];
    const taskIds = [...this.tasks];
    this.services.clear();
    this.tasks.clear();
    const reservations = this.book.reservations();
    try {
      const errors = await this.store.batch((batch) => {
        for (const id of serviceIds) batch.update((tx) => this.completeEndpoint(tx, id, reservations));
        for (const id of taskIds) batch.update((tx) => this.allocateTask(tx, id, reservations));
      });
      for (const error of errors) this.log('allocator: an allocation failed', error);
    } finally {
      reservations.release();
    }
  }

  private completeEndpoint(tx: WriteTx, serviceId: string, reservations: Reservations): void {
    const service = tx.get('services', serviceId);
    if (!service || !endpointIncomplete(tx, service)) return;
    const endpoint = allocateEndpoint(tx, reservations, service.Spec, service.Endpoint, service.ID);
    tx.update('services', { ...service, Endpoint: endpoint });
  }

  private allocateTask(tx: WriteTx, taskId: string, reservations: Reservations): void {
    const task = tx.get('tasks', taskId) as TaskObject | undefined;
    if (!task || !this.waits(task)) return;
    const service = tx.get('services', task.ServiceID);
    if (!service) return;
    if (endpointIncomplete(tx, service)) return; // waits for its service's endpoint

    const networkIds: string[] = [];
    if (needsIngress(service.Spec)) {
      const ingress = findIngressNetwork(tx);
      if (ingress) networkIds.push(ingress.ID);
    }
    for (const id of taskNetworkIds({ TaskTemplate: task.Spec }))
      if (!networkIds.includes(id)) networkIds.push(id);

    const attachments: NetworkAttachment[] = [];
    for (const networkId of networkIds) {
      const network = tx.get('networks', networkId);
      if (!network) continue;
      const address = reservations.allocate(network);
      if (!address) {
        const err = `no IP address left on network ${network.Spec.Name} (${network.IPAM.Config[0]?.Subnet})`;
        if (task.Status.Err !== err) tx.update('tasks', { ...task, Status: { ...task.Status, Err: err } });
        return;
      }
      attachments.push({
        Network: attachmentNetwork(network) as NetworkAttachment['Network'],
        Addresses: [address],
      });
    }

    const allocated: TaskObject = {
      ...task,
      Status: { Timestamp: new Date().toISOString(), State: 'pending', Message: allocatedMessage },
    };
    if (attachments.length > 0) allocated.NetworksAttachments = attachments;
    if (service.Endpoint?.Ports || task._endpoint) {
      allocated._endpoint = {
        Spec: task._endpoint?.Spec ?? service.Spec.EndpointSpec,
        Ports: service.Endpoint?.Ports,
      };
    }
    tx.update('tasks', allocated);
  }
}
