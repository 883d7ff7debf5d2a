import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatCidr, formatIp, nextFreeAddress, nextSubnet, overlaps, parseCidr, parseIp } from './ipam.js';

test('CIDR parsing normalizes to the network address and refuses garbage', () => {
  assert.equal(formatCidr(parseCidr('10.0.1.7/24')!), '10.0.1.0/24');
  assert.equal(parseCidr('10.0.0.0/33'), undefined);
  assert.equal(parseCidr('10.0.0/8'), undefined);
  assert.equal(parseIp('256.0.0.1'), undefined);
  assert.equal(formatIp(parseIp('192.168.0.255')!), '192.168.0.255');
  assert.ok(overlaps(parseCidr('10.0.0.0/8')!, parseCidr('10.3.4.0/24')!));
  assert.ok(!overlaps(parseCidr('10.0.0.0/24')!, parseCidr('10.0.1.0/24')!));
});

test('subnets come in order from the pools, skipping used ones of any size', () => {
  const pool = [parseCidr('10.0.0.0/8')!];
  const used = [parseCidr('10.0.0.0/24')!, parseCidr('10.0.1.0/24')!];
  assert.equal(formatCidr(nextSubnet(pool, 24, used)!), '10.0.2.0/24');
  assert.equal(formatCidr(nextSubnet(pool, 24, [parseCidr('10.0.0.0/16')!])!), '10.1.0.0/24');
  assert.equal(nextSubnet([parseCidr('10.0.0.0/24')!], 24, used), undefined);
});

test('addresses skip the network, broadcast and taken addresses, and wrap around from the hint', () => {
  const subnet = parseCidr('10.0.0.0/29')!; // .1 to .6 are hosts
  const taken = new Set([parseIp('10.0.0.1')!, parseIp('10.0.0.2')!]);
  const next = (hint?: number) => formatIp(nextFreeAddress(subnet, (ip) => taken.has(ip), hint)!);
  assert.equal(next(), '10.0.0.3');
  assert.equal(next(parseIp('10.0.0.6')), '10.0.0.6');
  taken.add(parseIp('10.0.0.6')!);
  assert.equal(next(parseIp('10.0.0.6')), '10.0.0.3', 'wraps around');
  for (const ip of ['10.0.0.3', '10.0.0.4', '10.0.0.5']) taken.add(parseIp(ip)!);
  assert.equal(
    nextFreeAddress(subnet, (ip) => taken.has(ip)),
    undefined,
  );
});
