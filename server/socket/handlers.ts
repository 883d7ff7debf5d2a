import type { LabManager } from '../labs/lab-manager.js';
import { LabError } from '../labs/lab-manager.js';
import type { LessonCatalog } from '../lessons/lesson-catalog.js';
import { type AttachRequest, protocolVersion } from '../protocol/events.js';
import type { ProgressStore } from '../store/progress-store.js';
import type { LearnerSession, WorkshopSocket } from './learner-session.js';

export interface HandlerDeps {
  labs: LabManager;
  store: ProgressStore;
  catalog: LessonCatalog;
  limits: { minNodes: number; maxNodes: number; defaultNodes: number };
  idleTimeoutMs: number;
}

const isString = (value: unknown): value is string => typeof value === 'string';

/**
 * Wires one browser socket to its learner's session: lab actions, terminals, lessons. Every terminal lookup goes
 * through the learner's own lab, so a socket can reach nothing of another learner's even with a valid id.
 */
export function handleSocket(socket: WorkshopSocket, session: LearnerSession, deps: HandlerDeps): void {
  const { labs, store, catalog } = deps;
  const learnerId = session.learnerId;
  socket.data.attached = new Set();

  const notice = (error: unknown) => {
    const message =
      error instanceof LabError ? error.message : `Something went wrong: ${(error as Error).message}`;
    socket.emit('notice', { level: 'error', message });
  };

  const lab = labs.labOf(learnerId);
  socket.emit('hello', {
    protocolVersion,
    lessons: catalog.summaries(store.passedCounts(learnerId)),
    lab: lab ? lab.view(deps.idleTimeoutMs) : null,
    currentLesson: session.lessonId,
    limits: deps.limits,
    notice: session.takeNotice(),
  });
  const view = catalog.view(session.lessonId);
  if (view) socket.emit('lesson', view);
  session.addSocket(socket);
  labs.touch(learnerId);

  socket.on('lab:start', (request) => {
    const nodes = Number(request?.nodes ?? deps.limits.defaultNodes);
    labs.start(learnerId, nodes).catch(notice);
  });
  socket.on('lab:reset', () => {
    labs.reset(learnerId).catch(notice);
  });
  socket.on('lab:destroy', () => {
    labs.destroy(learnerId).catch(notice);
  });

  socket.on('term:attach', (request: AttachRequest, reply) => {
    if (typeof reply !== 'function') return;
    const terminal = labs.terminal(learnerId, request?.terminalId);
    if (!terminal) {
      reply({ ok: false, reset: false, offset: 0, error: 'no such terminal' });
      return;
    }
    terminal.detach(socket.id);
    const offset = Number.isInteger(request.offset) ? request.offset : 0;
    const missed = terminal.attach(socket.id, (data) => socket.emit('term:data', terminal.id, data), offset);
    socket.data.attached.add(terminal.id);
    reply({ ok: true, reset: missed.reset, offset: missed.offset });
    if (missed.data.length > 0) socket.emit('term:data', terminal.id, missed.data);
    terminal.settle();
    labs.touch(learnerId);
  });
  socket.on('term:detach', (terminalId) => {
    labs.terminal(learnerId, terminalId)?.detach(socket.id);
    socket.data.attached.delete(terminalId);
  });
  socket.on('term:input', (terminalId, data) => {
    if (!isString(data)) return;
    labs.terminal(learnerId, terminalId)?.input(data);
    if (data.includes('\r')) setTimeout(() => session.pokeWatcher(), 150).unref();
  });
  socket.on('term:resize', (terminalId, cols, rows) => {
    labs.terminal(learnerId, terminalId)?.resize(cols, rows);
  });
  socket.on('term:ack', (terminalId, chars) => {
    if (typeof chars !== 'number') return;
    labs.terminal(learnerId, terminalId)?.ack(socket.id, chars);
  });

  socket.on('lesson:open', (lessonId) => {
    if (!session.openLesson(lessonId))
      socket.emit('notice', { level: 'error', message: `There is no lesson ${String(lessonId)}.` });
  });
  socket.on('lesson:restart', (lessonId) => {
    session.restartLesson(lessonId);
  });
  socket.on('ping', (reply) => {
    if (typeof reply === 'function') reply();
  });

  socket.on('disconnect', () => {
    for (const terminalId of socket.data.attached) labs.terminal(learnerId, terminalId)?.detach(socket.id);
    socket.data.attached.clear();
    session.removeSocket(socket);
  });
}
