import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NodeObject } from '../../store/objects.js';
import { nodeMatches, parseConstraints } from './constraint.js';

const node = {
  ID: 'abcdefghijklmnopqrstuvwxy',
  Spec: { Role: 'manager', Availability: 'active', Labels: { zone: 'East', 'disk.type': 'ssd' } },
  Status: { State: 'ready', Addr: '192.168.1.10' },
  Description: {
    Hostname: 'swarm-1',
    Platform: { OS: 'linux', Architecture: 'x86_64' },
    Engine: { Labels: { storage: 'fast' } },
  },
} as unknown as NodeObject;

const match = (...expressions: string[]) => nodeMatches(parseConstraints(expressions), node);

test('constraints on node id, hostname, role, ip, platform, node and engine labels', () => {
  assert.ok(match('node.id==abcdefghijklmnopqrstuvwxy', 'node.hostname==swarm-1', 'node.role==manager'));
  assert.ok(match('node.role!=worker', 'NODE.ROLE==MANAGER'), 'keys and values compare case-insensitively');
  assert.ok(match('node.ip==192.168.1.10', 'node.ip==192.168.0.0/16', 'node.ip!=10.0.0.0/8'));
  assert.ok(match('node.platform.os==linux', 'node.platform.arch==x86_64'));
  assert.ok(match('node.labels.zone==east', 'node.labels.disk.type==ssd', 'engine.labels.storage==fast'));
  assert.ok(match('node.labels.missing!=x'), 'a missing label equals the empty string');
  assert.ok(!match('node.labels.Zone==east'), 'label names are case-sensitive');
  assert.ok(!match('node.hostname==swarm-2'));
  assert.ok(!match('node.unknown==x'), 'an unknown key never matches');
  assert.ok(!match('node.role==manager', 'node.hostname!=swarm-1'), 'every constraint must hold');
});

test("malformed constraints fail with SwarmKit's messages", () => {
  assert.throws(() => parseConstraints(['node.role=manager']), {
    message: 'constraint expected one operator from ==, !=',
  });
  assert.throws(() => parseConstraints(['==manager']), { message: "key '' is invalid" });
  assert.throws(() => parseConstraints(['node.role==<x>']), { message: "value '<x>' is invalid" });
  assert.deepEqual(parseConstraints([' node.role == worker ']), [
    { key: 'node.role', operator: '==', value: 'worker' },
  ]);
});
