import type { Server, Socket } from 'socket.io';
import type { LabTarget } from '../../lessons/checks/cluster-snapshot.js';
import { ClusterWatcher } from '../cluster/cluster-watcher.js';
import { visualizerView } from '../cluster/visualizer-view.js';
import type { LabManager, ManagedLab } from '../labs/lab-manager.js';
import type { LessonCatalog } from '../lessons/lesson-catalog.js';
import { StepTracker } from '../lessons/step-tracker.js';
import type { ClusterView } from '../protocol/cluster-view.js';
import type { ClientToServerEvents, ServerToClientEvents } from '../protocol/events.js';
import type { ProgressStore } from '../store/progress-store.js';

export interface SocketData {
  learnerId: string;
  /** Terminal ids this socket is attached to. */
  attached: Set<string>;
}

export type WorkshopServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;
export type WorkshopSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;

export interface SessionDeps {
  io: WorkshopServer;
  store: ProgressStore;
  catalog: LessonCatalog;
  labs: LabManager;
  idleTimeoutMs: number;
  watchIntervalMs: number;
  /** How often checks run even without a cluster change (HTTP probes, predicates). */
  checkIntervalMs: number;
}

const noLabView: ClusterView = {
  swarm: 'inactive',
  message: 'No lab yet: start one.',
  nodes: [],
  unassigned: [],
};

/**
 * One learner's live side: its open browser tabs (sockets, in one room), the lesson it is on, the watcher of
 * its lab's cluster and the step checks. Watching and checking run only while a tab is open.
 */
export class LearnerSession {
  readonly room: string;
  readonly tracker: StepTracker;
  lessonId: string;
  private readonly sockets = new Set<WorkshopSocket>();
  private watcher: ClusterWatcher | undefined;
  private watchedLabId: string | undefined;
  /** The lab predicates' memories belong to. */
  private memoLabId: string | undefined;
  private unsubscribe: (() => void) | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  private lastSteps = '';
  private lastCluster = '';
  private evaluating = false;
  private evaluateAgain = false;
  private closed = false;

  constructor(
    readonly learnerId: string,
    private readonly deps: SessionDeps,
  ) {
    this.room = `learner:${learnerId}`;
    this.tracker = new StepTracker(deps.store, learnerId);
    const saved = deps.store.currentLesson(learnerId);
    this.lessonId = saved && deps.catalog.get(saved) ? saved : deps.catalog.first.id;
  }

  /** A notice for the learner's next tab (e.g. why its lab is gone), given once. */
  private heldNotice: string | undefined;

  holdNotice(message: string): void {
    this.heldNotice = message;
  }

  takeNotice(): string | undefined {
    const notice = this.heldNotice;
    this.heldNotice = undefined;
    return notice;
  }

  get connected(): number {
    return this.sockets.size;
  }

  get lab(): ManagedLab | undefined {
    return this.deps.labs.labOf(this.learnerId);
  }

  /** The lab's node list as checks reach it, once it is up. */
  private target(): LabTarget | undefined {
    const lab = this.lab;
    if (!lab?.handle || lab.state !== 'ready') return undefined;
    return {
      nodes: lab.handle.lab.nodes.map((n) => ({ name: n.name, addr: n.addr, dockerHost: n.dockerHost })),
    };
  }

  addSocket(socket: WorkshopSocket): void {
    this.sockets.add(socket);
    void socket.join(this.room);
    this.lastSteps = '';
    this.lastCluster = '';
    this.sync();
  }

  removeSocket(socket: WorkshopSocket): void {
    this.sockets.delete(socket);
    this.sync();
  }

  /** The learner's lab changed (or is gone): tell the tabs, follow the new cluster. */
  labChanged(lab: ManagedLab | null): void {
    this.deps.io.to(this.room).emit('lab:state', lab ? lab.view(this.deps.idleTimeoutMs) : null);
    this.sync();
  }

  openLesson(lessonId: string): boolean {
    const view = this.deps.catalog.view(lessonId);
    if (!view) return false;
    this.lessonId = lessonId;
    this.deps.store.setCurrentLesson(this.learnerId, lessonId);
    this.deps.io.to(this.room).emit('lesson', view);
    this.lastSteps = '';
    void this.runChecks();
    return true;
  }

  restartLesson(lessonId: string): void {
    if (!this.deps.catalog.get(lessonId)) return;
    this.deps.store.restartLesson(this.learnerId, lessonId);
    this.tracker.forget(lessonId);
    this.lastSteps = '';
    void this.runChecks();
  }

  /** Runs the current lesson's checks (one run at a time; a request during a run runs once more after it). */
  async runChecks(): Promise<void> {
    if (this.evaluating) {
      this.evaluateAgain = true;
      return;
    }
    this.evaluating = true;
    try {
      do {
        this.evaluateAgain = false;
        const lesson = this.deps.catalog.get(this.lessonId);
        if (!lesson || this.closed) return;
        const target = this.target();
        const snapshot = this.watcher?.latest;
        const lab = this.lab;
        const waiting =
          lab?.state === 'starting'
            ? 'Your lab is starting...'
            : lab?.state === 'failed'
              ? lab.error
              : undefined;
        const status = await this.tracker.evaluate(
          lesson,
          target && snapshot ? { target, snapshot } : undefined,
          waiting,
        );
        const key = JSON.stringify(status);
        if (key !== this.lastSteps && lesson.id === this.lessonId) {
          this.lastSteps = key;
          this.deps.io.to(this.room).emit('steps', status);
        }
      } while (this.evaluateAgain);
    } finally {
      this.evaluating = false;
    }
  }

  pokeWatcher(): void {
    this.watcher?.poke();
  }

  close(): void {
    this.closed = true;
    this.stopWatching();
  }

  private pushCluster(view: ClusterView): void {
    const key = JSON.stringify(view);
    if (key === this.lastCluster) return;
    this.lastCluster = key;
    this.deps.io.to(this.room).emit('cluster', view);
  }

  /** Watches and checks while a tab is open and the lab is ready; stops otherwise. */
  private sync(): void {
    const lab = this.lab;
    const target = this.target();
    if (!target || !lab || this.sockets.size === 0) {
      this.stopWatching();
      if (this.sockets.size > 0) {
        if (!target) this.pushCluster(noLabView);
        void this.runChecks();
      }
      return;
    }
    if (this.watchedLabId !== lab.id) {
      this.stopWatching();
      if (this.memoLabId !== lab.id) this.tracker.forget();
      this.memoLabId = lab.id;
      this.watcher = new ClusterWatcher(target, this.deps.watchIntervalMs);
      this.watchedLabId = lab.id;
      this.unsubscribe = this.watcher.onChange((snapshot) => {
        this.pushCluster(visualizerView(snapshot));
        void this.runChecks();
      });
    } else if (this.watcher?.latest) {
      this.pushCluster(visualizerView(this.watcher.latest));
    }
    this.watcher?.start();
    if (!this.checkTimer) {
      this.checkTimer = setInterval(() => void this.runChecks(), this.deps.checkIntervalMs);
      this.checkTimer.unref();
    }
    void this.runChecks();
  }

  private stopWatching(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.watcher?.stop();
    this.watcher = undefined;
    this.watchedLabId = undefined;
    if (this.checkTimer) clearInterval(this.checkTimer);
    this.checkTimer = undefined;
  }
}
