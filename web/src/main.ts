import '@xterm/xterm/css/xterm.css';
import './app.css';
import { protocolVersion } from '../../server/protocol/events.js';
import { byId } from './dom.js';
import { LabBar } from './lab-bar.js';
import { LessonPane } from './lesson-pane.js';
import { showNotice } from './notices.js';
import { connect } from './socket.js';
import { Terminals } from './terminals.js';
import { renderVisualizer } from './visualizer.js';

const socket = connect();
const connection = byId('connection');
const labBar = new LabBar(byId('lab-bar'), socket);
const terminals = new Terminals(byId('terminals'), socket);
const lessons = new LessonPane(
  byId('lesson'),
  byId<HTMLSelectElement>('lesson-select'),
  (node, command) => terminals.paste(node, command),
  (lessonId) => socket.emit('lesson:open', lessonId),
  (lessonId) => socket.emit('lesson:restart', lessonId),
);
let greeted = false;

socket.on('hello', (hello) => {
  if (hello.protocolVersion !== protocolVersion) {
    location.reload();
    return;
  }
  labBar.setLimits(hello.limits);
  lessons.setLessons(hello.lessons, hello.currentLesson);
  labBar.render(hello.lab);
  // After a reconnect, terminals that are still the same pick up where their output stopped.
  terminals.update(hello.lab, greeted);
  greeted = true;
  if (hello.notice) showNotice('info', hello.notice);
  document.body.dataset.ready = 'true';
});
socket.on('lab:state', (lab) => {
  labBar.render(lab);
  terminals.update(lab);
});
socket.on('lesson', (lesson) => lessons.render(lesson));
socket.on('steps', (status) => lessons.updateSteps(status));
socket.on('cluster', (view) => renderVisualizer(byId('visualizer'), view));
socket.on('notice', ({ level, message }) => showNotice(level, message));
socket.on('connect', () => {
  connection.dataset.state = 'connected';
  connection.textContent = '';
});
socket.on('disconnect', () => {
  connection.dataset.state = 'disconnected';
  connection.textContent = 'Reconnecting...';
});
socket.on('connect_error', (error) => {
  connection.dataset.state = 'disconnected';
  connection.textContent = error.message.includes('session')
    ? 'Session expired: reload the page'
    : 'Reconnecting...';
});
