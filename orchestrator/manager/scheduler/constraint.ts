/**
 * Placement constraints (SwarmKit's manager/constraint): `key==value` or `key!=value`, where key is `node.id`,
 * `node.hostname`, `node.ip`, `node.role`, `node.platform.os`, `node.platform.arch`, `node.labels.<label>` or
 * `engine.labels.<label>`. Values compare case-insensitively; label names are case-sensitive.
 */
import { isIPv4 } from 'node:net';
import type { NodeObject } from '../../store/objects.js';

export interface Constraint {
  key: string;
  operator: '==' | '!=';
  value: string;
}

const operators = ['==', '!='] as const;
const keyPattern = /^[a-z_][a-z0-9\-_.]+$/i;
// A value may not contain current or future operators such as `>`, `<` or `~`.
const valuePattern = /^[a-z0-9:\-_\s.*()?+[\]\\^$|/]+$/i;
const nodeLabelPrefix = 'node.labels.';
const engineLabelPrefix = 'engine.labels.';

/** An invalid constraint expression; the message is SwarmKit's. */
export class ConstraintSyntaxError extends Error {
  override name = 'ConstraintSyntaxError';
}

/** Parses constraint expressions; throws ConstraintSyntaxError with SwarmKit's message on a bad one. */
export function parseConstraints(expressions: readonly string[] | undefined): Constraint[] {
  const constraints: Constraint[] = [];
  for (const expression of expressions ?? []) {
    const operator = operators.find((op) => expression.includes(op));
    if (!operator) {
      throw new ConstraintSyntaxError(`constraint expected one operator from ${operators.join(', ')}`);
    }
    const at = expression.indexOf(operator);
    const key = expression.slice(0, at).trim();
    const value = expression.slice(at + operator.length).trim();
    if (!keyPattern.test(key)) throw new ConstraintSyntaxError(`key '${key}' is invalid`);
    if (!valuePattern.test(value)) throw new ConstraintSyntaxError(`value '${value}' is invalid`);
    constraints.push({ key, operator, value });
  }
  return constraints;
}

function matches(constraint: Constraint, actual: string): boolean {
  const equal = constraint.value.toLowerCase() === actual.toLowerCase();
  return constraint.operator === '==' ? equal : !equal;
}

function ipv4ToNumber(ip: string): number {
  return ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

function matchesIp(constraint: Constraint, nodeAddr: string): boolean {
  const wantEqual = constraint.operator === '==';
  if (isIPv4(constraint.value)) return (constraint.value === nodeAddr) === wantEqual;
  const cidr = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(constraint.value);
  if (cidr && isIPv4(cidr[1]) && Number(cidr[2]) <= 32) {
    if (!isIPv4(nodeAddr)) return !wantEqual;
    const bits = Number(cidr[2]);
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    const within = (ipv4ToNumber(nodeAddr) & mask) >>> 0 === (ipv4ToNumber(cidr[1]) & mask) >>> 0;
    return within === wantEqual;
  }
  return false; // a malformed address never matches
}

/** True if `node` satisfies every constraint. */
export function nodeMatches(constraints: readonly Constraint[], node: NodeObject): boolean {
  for (const constraint of constraints) {
    const key = constraint.key.toLowerCase();
    let ok: boolean;
    if (key === 'node.id') ok = matches(constraint, node.ID);
    else if (key === 'node.hostname') ok = matches(constraint, node.Description?.Hostname ?? '');
    else if (key === 'node.ip') ok = matchesIp(constraint, node.Status.Addr ?? '');
    else if (key === 'node.role') ok = matches(constraint, node.Spec.Role);
    else if (key === 'node.platform.os') ok = matches(constraint, node.Description?.Platform?.OS ?? '');
    else if (key === 'node.platform.arch') {
      ok = matches(constraint, node.Description?.Platform?.Architecture ?? '');
    } else if (key.length > nodeLabelPrefix.length && key.startsWith(nodeLabelPrefix)) {
      const label = constraint.key.slice(nodeLabelPrefix.length);
      ok = matches(constraint, node.Spec.Labels?.[label] ?? '');
    } else if (key.length > engineLabelPrefix.length && key.startsWith(engineLabelPrefix)) {
      const label = constraint.key.slice(engineLabelPrefix.length);
      ok = matches(constraint, node.Description?.Engine?.Labels?.[label] ?? '');
    } else ok = false; // an unknown key never matches
    if (!ok) return false;
  }
  return true;
}
