import type { Condition } from './check-types.js';
import { regexOf } from './parse-check.js';

/**
 * The values at a dotted path: `Spec.Name`, `Endpoint.Ports[0].PublishedPort`, `Spec.Mounts[*].Source`
 * (`[*]`: every element). Missing parts yield no value.
 */
export function valuesAt(root: unknown, path: string): unknown[] {
  let current: unknown[] = [root];
  for (const segment of path.split('.')) {
    const found = /^([^[\]]*)((?:\[(?:\d+|\*)\])*)$/.exec(segment);
    if (!found) return [];
    const [, key, indexes] = found;
    const next: unknown[] = [];
    for (const value of current) {
      if (key === '') next.push(value);
      else if (value !== null && typeof value === 'object' && key in value)
        next.push((value as Record<string, unknown>)[key]);
    }
    current = next;
    for (const [, index] of indexes.matchAll(/\[(\d+|\*)\]/g)) {
      current = current.flatMap((value) => {
        if (!Array.isArray(value)) return [];
        if (index === '*') return value;
        return Number(index) < value.length ? [value[Number(index)]] : [];
      });
    }
  }
  return current.filter((value) => value !== undefined);
}

function equals(actual: unknown, expected: string): boolean {
  if (typeof actual === 'number') return expected.trim() !== '' && Number(expected) === actual;
  if (typeof actual === 'boolean') return String(actual) === expected;
  if (actual === null) return expected === 'null';
  if (typeof actual === 'string') return actual === expected;
  return false;
}

function compare(actual: unknown, op: '>=' | '<=' | '>' | '<', expected: string): boolean {
  const a = typeof actual === 'number' ? actual : Number(actual);
  const b = Number(expected);
  if (Number.isNaN(a) || Number.isNaN(b)) return false;
  return op === '>=' ? a >= b : op === '<=' ? a <= b : op === '>' ? a > b : a < b;
}

type ValueCondition = Extract<Condition, { value: string }>;

function holdsFor(actual: unknown, condition: ValueCondition): boolean {
  const { op, value } = condition;
  switch (op) {
    case '==':
      return equals(actual, value);
    case '!=':
      return !equals(actual, value);
    case '>=':
    case '<=':
    case '>':
    case '<':
      return compare(actual, op, value);
    case 'contains':
      if (Array.isArray(actual)) return actual.some((element) => equals(element, value));
      if (typeof actual === 'string') return actual.includes(value);
      if (actual !== null && typeof actual === 'object') return value in actual;
      return false;
    case 'matches':
      return typeof actual === 'string' || typeof actual === 'number'
        ? regexOf(value).test(String(actual))
        : false;
    case 'starts-with':
      return typeof actual === 'string' && actual.startsWith(value);
    default:
      return false;
  }
}

/**
 * Whether `root` meets the condition; `value` already has its variables substituted. With `[*]` in the
 * path, one matching element is enough (`!=` then means: no element equals).
 */
export function holds(root: unknown, condition: Condition): boolean {
  const values = valuesAt(root, condition.path);
  if (condition.op === 'exists') return values.some((value) => value !== null);
  if (condition.op === 'absent') return values.every((value) => value === null);
  if (values.length === 0) return false;
  if (!('value' in condition)) return false;
  if (condition.op === '!=') return values.every((value) => holdsFor(value, condition));
  return values.some((value) => holdsFor(value, condition));
}

/** A value as a message shows it: strings plain, the rest as JSON, long ones cut. */
export function show(values: unknown[]): string {
  if (values.length === 0) return 'nothing';
  const text =
    values.length === 1
      ? typeof values[0] === 'string'
        ? values[0]
        : JSON.stringify(values[0])
      : JSON.stringify(values);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
