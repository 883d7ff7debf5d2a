import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AckCounter, SendWindow } from './flow-control.js';

test('the send window pauses once above the high watermark and resumes once below the low one', () => {
  const window = new SendWindow(100, 400, 50);
  assert.equal(window.sent(300), false);
  assert.equal(window.sent(100), true, 'crossing high pauses');
  assert.equal(window.sent(500), false, 'only the crossing says pause');
  assert.equal(window.blocked, true);
  assert.equal(window.acked(600), false, '300 unacked is still above low');
  assert.equal(window.blocked, true);
  assert.equal(window.acked(200), true, 'below low resumes');
  assert.equal(window.blocked, false);
  assert.equal(window.unacked, 100);
});

test('the send window ignores bogus acknowledgements and never goes negative', () => {
  const window = new SendWindow(100, 400, 50);
  window.sent(10);
  for (const bogus of [-5, 0, Number.NaN, Number.POSITIVE_INFINITY]) assert.equal(window.acked(bogus), false);
  window.acked(1_000);
  assert.equal(window.unacked, 0);
});

test('watermarks that could deadlock are refused', () => {
  assert.throws(() => new SendWindow(400, 100), /low watermark/);
  assert.throws(() => new SendWindow(100, 400, 100), /ackChars/);
});

test('the ack counter acknowledges in whole steps and keeps the rest', () => {
  const counter = new AckCounter(10);
  assert.equal(counter.rendered(7), 0);
  assert.equal(counter.rendered(7), 10);
  assert.equal(counter.rendered(25), 20);
  assert.equal(counter.rendered(5), 10);
  counter.reset();
  assert.equal(counter.rendered(9), 0);
});

test('a browser acking everything it renders keeps the server window below the low watermark', () => {
  const window = new SendWindow(256, 1024, 64);
  const counter = new AckCounter(64);
  let paused = false;
  for (let i = 0; i < 10_000; i++) {
    paused = window.sent(37) || paused;
    window.acked(counter.rendered(37));
  }
  assert.equal(paused, false);
  assert.ok(window.unacked < 64);
});
