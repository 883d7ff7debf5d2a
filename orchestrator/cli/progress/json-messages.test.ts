import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderScreen } from '../testing/output-masks.js';
import { displayJsonMessages, JsonMessageDisplay, jsonProgressString } from './json-messages.js';

const pull = [
  { status: 'Pulling from library/alpine', id: 'latest' },
  { status: 'Pulling fs layer', progressDetail: {}, id: 'f18232174bc9' },
  { status: 'Downloading', progressDetail: { current: 1000, total: 3642000 }, id: 'f18232174bc9' },
  { status: 'Downloading', progressDetail: { current: 3642000, total: 3642000 }, id: 'f18232174bc9' },
  { status: 'Download complete', progressDetail: {}, id: 'f18232174bc9' },
  { status: 'Pull complete', progressDetail: {}, id: 'f18232174bc9' },
  { status: 'Digest: sha256:a8560b36e8b8210634f77d9f7f9efd7ffa463e380b75e2e74aff4511df3ef88c' },
  { status: 'Status: Downloaded newer image for alpine:latest' },
];

async function show(terminal: boolean, width: number, messages: unknown[]): Promise<string> {
  let out = '';
  const display = new JsonMessageDisplay(
    (t) => void (out += t),
    terminal,
    () => width,
  );
  // Split mid-object, as a socket may deliver it.
  const text = messages.map((m) => JSON.stringify(m)).join('\r\n');
  const chunks = [text.slice(0, 37), text.slice(37)];
  await displayJsonMessages(
    (async function* () {
      yield* chunks;
    })(),
    display,
  );
  return out;
}

test('docker pull without a terminal: status lines, progress bars left out', async () => {
  assert.equal(
    await show(false, 200, pull),
    'latest: Pulling from library/alpine\n' +
      'f18232174bc9: Pulling fs layer\n' +
      'f18232174bc9: Download complete\n' +
      'f18232174bc9: Pull complete\n' +
      'Digest: sha256:a8560b36e8b8210634f77d9f7f9efd7ffa463e380b75e2e74aff4511df3ef88c\n' +
      'Status: Downloaded newer image for alpine:latest\n',
  );
});

test('docker pull in a terminal: each layer keeps its line', async () => {
  const partial = await show(true, 150, pull.slice(0, 3));
  assert.equal(
    renderScreen(partial),
    'latest: Pulling from library/alpine\n' +
      'f18232174bc9: Downloading [>                                                  ]      1kB/3.642MB\n',
  );
  assert.equal(
    renderScreen(await show(true, 150, pull)),
    'latest: Pulling from library/alpine\n' +
      'f18232174bc9: Pull complete\n' +
      'Digest: sha256:a8560b36e8b8210634f77d9f7f9efd7ffa463e380b75e2e74aff4511df3ef88c\n' +
      'Status: Downloaded newer image for alpine:latest\n',
  );
});

test('an error message in the stream ends the display with its text', async () => {
  await assert.rejects(
    show(false, 200, [
      { status: 'Pulling from x', id: 'latest' },
      { errorDetail: { message: 'manifest unknown' }, error: 'manifest unknown' },
    ]),
    /^Error: manifest unknown$/,
  );
});

test('JSONProgress.String: bar, sizes, counts and units', () => {
  assert.equal(
    jsonProgressString({ current: 50, total: 100 }, 120),
    '[=========================>                         ]      50B/100B',
  );
  assert.equal(jsonProgressString({ current: 50, total: 100 }, 80), '     50B/100B');
  assert.equal(jsonProgressString({ current: 500 }, 80), '    500B');
  assert.equal(jsonProgressString({ current: 3, total: 5, units: 'tasks' }, 80), '3/5 tasks');
  assert.equal(jsonProgressString({ current: 0, total: 0 }, 80), '');
});
