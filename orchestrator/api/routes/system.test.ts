import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertMatchesDefinition } from '../testing/schema.js';
import { type SystemSources, systemInfo, versionInfo } from './system.js';

const sources: SystemSources = {
  name: 'swarm-1',
  engineId: 'e',
  dataDir: '/tmp/x',
  startedAt: new Date(),
  swarmInfo: () => ({
    NodeID: '',
    NodeAddr: '',
    LocalNodeState: 'inactive',
    ControlAvailable: false,
    Error: '',
    RemoteManagers: null,
  }),
  swarmHeader: () => 'inactive',
  containerCounts: () => ({ total: 1, running: 1, paused: 0, stopped: 0 }),
  imageCount: () => 7,
  runtime: () => ({ name: 'process', note: 'bubblewrap not found: containers are plain processes' }),
  labels: () => [],
};

test('/version and /info match the Engine API definitions', () => {
  assertMatchesDefinition('SystemVersion', versionInfo());
  assertMatchesDefinition('SystemInfo', systemInfo(sources));
});

test('the schema check can fail', () => {
  assert.throws(() => assertMatchesDefinition('SystemInfo', { NCPU: 'many' }), /NCPU must be integer/);
});
