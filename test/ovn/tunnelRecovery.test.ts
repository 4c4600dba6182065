// The stale "File exists" detection behind the property test's tunnel
// recovery: it must pick only tunnels vswitchd failed to add because of a
// conflict the database no longer holds, never a real duplicate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { InterfaceState, NodeState, TunnelPortState } from '../../src/verify/index.ts';
import { staleFileExistsTunnels } from './helpers/tunnelRecovery.ts';

function tunnel(port: string, local: string, remote: string, ofport: number | null, error?: string): [InterfaceState, TunnelPortState] {
  const chassisId = `c3@${remote}%${local}`;
  return [
    { name: port, type: 'geneve', ofport, externalIds: {}, options: { csum: 'true', key: 'flow', local_ip: local, remote_ip: remote }, ...(error ? { error } : {}) },
    { port, chassisId, type: 'geneve', localIp: local, remoteIp: remote, ofport },
  ];
}

function node(...ts: [InterfaceState, TunnelPortState][]): NodeState {
  return { label: 'c4', openVswitch: { externalIds: {} }, interfaces: ts.map((x) => x[0]), tunnels: ts.map((x) => x[1]) };
}

const EXISTS = (p: string): string => `could not add network device ${p} to ofproto (File exists)`;

test('a tunnel stuck on File exists with no twin in the database is stale', () => {
  const n = node(
    tunnel('ovn-c3-3', '203.0.113.201', '203.0.113.200', null, EXISTS('ovn-c3-3')),
    // ovn-c3-5 held ovn-c3-3's options before its name was reused for another tunnel
    tunnel('ovn-c3-5', '198.51.100.111', '203.0.113.20', 5537),
  );
  assert.deepEqual(staleFileExistsTunnels(n), [{ port: 'ovn-c3-3', chassisId: 'c3@203.0.113.200%203.0.113.201', error: EXISTS('ovn-c3-3') }]);
});

test('a real duplicate tunnel configuration is not recovered', () => {
  const n = node(
    tunnel('ovn-c3-3', '203.0.113.201', '203.0.113.200', null, EXISTS('ovn-c3-3')),
    tunnel('ovn-c3-5', '203.0.113.201', '203.0.113.200', 5537),
  );
  assert.deepEqual(staleFileExistsTunnels(n), []);
});

test('other errors, other ports named in the error, and tunnels with an ofport are left alone', () => {
  const n = node(
    tunnel('ovn-c3-1', '192.0.2.1', '192.0.2.2', null, 'could not open network device ovn-c3-1 (No such device)'),
    tunnel('ovn-c3-2', '192.0.2.1', '192.0.2.3', null, EXISTS('ovn-c3-9')),
    tunnel('ovn-c3-4', '192.0.2.1', '192.0.2.4', 12),
    tunnel('ovn-c3-6', '192.0.2.1', '192.0.2.6', null),
  );
  assert.deepEqual(staleFileExistsTunnels(n), []);
});
