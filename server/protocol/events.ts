/**
 * The workshop's socket.io protocol: every event name and payload, shared by the server and the browser.
 * This module imports nothing from Node or the DOM (tests/layers.test.ts keeps web on server/protocol only).
 */
import type { ClusterView } from './cluster-view.js';
import type { LessonSummary, LessonView, StepsStatus } from './lesson-view.js';

/** Bumped when an event changes shape; the browser reloads when the server speaks another version. */
export const protocolVersion = 1;

/** A node of the learner's lab as the lab bar shows it. */
export interface LabNodeView {
  name: string;
  addr: string;
  /** starting: its daemon is coming up; up: it answers; down: its process exited. */
  status: 'starting' | 'up' | 'down';
}

/** One shell on one node. Ids are random and unguessable; a session only sees its own. */
export interface TerminalView {
  id: string;
  node: string;
}

/** The learner's lab. */
export interface LabView {
  id: string;
  provider: string;
  state: 'starting' | 'ready' | 'failed' | 'destroying';
  nodes: LabNodeView[];
  terminals: TerminalView[];
  /** Progress lines while it starts ("swarm-2 is up (180 ms)"). */
  progress: string[];
  error?: string;
  createdAt: string;
  /** The lab is destroyed after this long without the learner typing anything. */
  idleTimeoutMs: number;
  /** Milliseconds from the start request to every node answering and every shell ready. */
  readyMs?: number;
}

/** What the server tells a browser right after it connects. */
export interface Hello {
  protocolVersion: number;
  lessons: LessonSummary[];
  lab: LabView | null;
  currentLesson: string;
  limits: { minNodes: number; maxNodes: number; defaultNodes: number };
  /** A notice from the server, such as why the previous lab is gone. */
  notice?: string;
}

/** Attach to a terminal's output from `offset` (characters the browser already has; 0 for everything kept). */
export interface AttachRequest {
  terminalId: string;
  offset: number;
}

/** The answer to an attach: whether the browser must clear its screen before the replayed data. */
export interface AttachReply {
  ok: boolean;
  /** The browser's offset was older than the scrollback kept: it gets all that is kept, after a reset. */
  reset: boolean;
  /** The offset the first data event after this reply starts at. */
  offset: number;
  error?: string;
}

/** Events the browser sends. */
export interface ClientToServerEvents {
  'lab:start': (request: { nodes: number }) => void;
  'lab:reset': () => void;
  'lab:destroy': () => void;
  'term:attach': (request: AttachRequest, reply: (answer: AttachReply) => void) => void;
  'term:detach': (terminalId: string) => void;
  'term:input': (terminalId: string, data: string) => void;
  'term:resize': (terminalId: string, cols: number, rows: number) => void;
  /** The browser has rendered this many more characters of the terminal's output (flow control). */
  'term:ack': (terminalId: string, chars: number) => void;
  'lesson:open': (lessonId: string) => void;
  /** Forget the learner's passed steps of a lesson, to do it again. */
  'lesson:restart': (lessonId: string) => void;
  /** Echo for latency measurements. */
  ping: (reply: () => void) => void;
}

/** Events the server sends. */
export interface ServerToClientEvents {
  hello: (hello: Hello) => void;
  'lab:state': (lab: LabView | null) => void;
  /** A plain-words error for the learner, e.g. why a lab could not start. */
  notice: (notice: { level: 'info' | 'error'; message: string }) => void;
  'term:data': (terminalId: string, data: string) => void;
  'term:exit': (terminalId: string, code: number) => void;
  lesson: (lesson: LessonView) => void;
  steps: (status: StepsStatus) => void;
  cluster: (view: ClusterView) => void;
}

/** The cookie that carries a browser's session. */
export const sessionCookieName = 'swarmlab_session';
