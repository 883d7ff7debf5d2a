// Test support: checks that a daemon refused a request as Docker does, with a message a learner can act on.
import assert from 'node:assert/strict';
import type { LabNode } from '../../labs/provider.js';
import { assertMatchesDefinition } from '../../orchestrator/api/testing/schema.js';
import { type RawAnswer, type RawRequestOptions, rawRequest } from './raw-api.js';

/** Texts that give away a crash or an unchecked value instead of saying what is wrong. */
const internals =
  /TypeError|ReferenceError|RangeError|Cannot read propert|is not a function|is not iterable|\[object Object\]|\bundefined\b|\bNaN\b/;

/** Checks a refusal: the status, Docker's error body, and a message that says what is wrong. */
export function checkRefusal(what: string, answer: RawAnswer, status: number, message: RegExp): string {
  assert.equal(answer.status, status, `${what}: ${answer.status} ${answer.text}`);
  assert.match(String(answer.headers['content-type']), /^application\/json/, `${what}: content type`);
  assertMatchesDefinition('ErrorResponse', answer.json);
  const text = (answer.json as { message: string }).message;
  assert.match(text, message, what);
  assert.doesNotMatch(text, internals, `${what}: the message gives away an internal error`);
  return text;
}

export async function refused(
  node: LabNode,
  method: string,
  path: string,
  status: number,
  message: RegExp,
  options: RawRequestOptions = {},
): Promise<string> {
  const answer = await rawRequest(node.dockerHost, method, path, options);
  return checkRefusal(`${method} ${path}`, answer, status, message);
}
