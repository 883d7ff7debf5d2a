import { type TestContext, test } from 'node:test';
import { nativeBinding } from '../native-relay.js';

export type Relay = 'native' | 'js';

/** The relays a mesh test runs with: the JavaScript one always, the native one when it is built. */
export function relaysToTest(): Relay[] {
  return nativeBinding() ? ['native', 'js'] : ['js'];
}

/** Declares one test per relay, named after it. */
export function testEachRelay(name: string, fn: (t: TestContext, relay: Relay) => Promise<void>): void {
  for (const relay of relaysToTest()) test(`${name} [${relay} relay]`, (t) => fn(t, relay));
}
