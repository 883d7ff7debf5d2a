import type { Assertion, Check, Condition, NodeTarget, Operator, Subject } from './check-types.js';

/** A check line that does not parse; the message says what is wrong and what is expected. */
export class CheckSyntaxError extends Error {
  override name = 'CheckSyntaxError';
}

type Token = { kind: 'word'; text: string } | { kind: 'string'; text: string } | { kind: 'comma' | 'sep' };

const operators: Operator[] = ['==', '!=', '>=', '<=', '>', '<', 'contains', 'matches', 'starts-with'];
const countOperators = ['==', '!=', '>=', '<=', '>', '<'] as const;
const listSubjects = new Set(['nodes', 'services', 'tasks', 'networks', 'secrets', 'containers']);

function tokenize(line: string): Token[] {
  const tokens: Token[] = [];
  let sepSeen = false;
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === ' ' || c === '\t') {
      i++;
    } else if (c === ',') {
      tokens.push({ kind: 'comma' });
      i++;
    } else if (c === '"') {
      let text = '';
      i++;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === '\\' && i + 1 < line.length) i++;
        text += line[i++];
      }
      if (i >= line.length) throw new CheckSyntaxError(`unterminated string in "${line}"`);
      i++;
      tokens.push({ kind: 'string', text });
    } else if (
      c === '/' &&
      tokens.at(-1)?.kind === 'word' &&
      (tokens.at(-1) as { text: string }).text === 'matches'
    ) {
      // A regular expression literal: /.../flags, kept with its slashes.
      let text = '/';
      i++;
      while (i < line.length && line[i] !== '/') {
        if (line[i] === '\\' && i + 1 < line.length) text += line[i++];
        text += line[i++];
      }
      if (i >= line.length) throw new CheckSyntaxError(`unterminated regular expression in "${line}"`);
      text += line[i++];
      while (i < line.length && /[a-z]/.test(line[i])) text += line[i++];
      tokens.push({ kind: 'string', text });
    } else {
      let text = '';
      while (i < line.length && !/[\s,"]/.test(line[i])) text += line[i++];
      if (!sepSeen && text.endsWith(':') && text.length > 0) {
        sepSeen = true;
        if (text.length > 1) tokens.push({ kind: 'word', text: text.slice(0, -1) });
        tokens.push({ kind: 'sep' });
      } else {
        tokens.push({ kind: 'word', text });
      }
    }
  }
  return tokens;
}

class Cursor {
  private at = 0;
  constructor(
    private readonly tokens: Token[],
    readonly line: string,
  ) {}

  peek(): Token | undefined {
    return this.tokens[this.at];
  }

  peekWord(): string | undefined {
    const token = this.peek();
    return token?.kind === 'word' ? token.text : undefined;
  }

  next(what: string): string {
    const token = this.tokens[this.at];
    if (token?.kind !== 'word' && token?.kind !== 'string') {
      throw new CheckSyntaxError(`expected ${what} in "${this.line}"`);
    }
    this.at++;
    return token.text;
  }

  expect(word: string): void {
    const got = this.peekWord();
    if (got !== word)
      throw new CheckSyntaxError(`expected "${word}" in "${this.line}", found "${got ?? 'the end'}"`);
    this.at++;
  }

  accept(kind: Token['kind'], text?: string): boolean {
    const token = this.tokens[this.at];
    if (token?.kind !== kind) return false;
    if (text !== undefined && (token as { text: string }).text !== text) return false;
    this.at++;
    return true;
  }

  get done(): boolean {
    return this.at >= this.tokens.length;
  }
}

function nodeTarget(word: string): NodeTarget {
  if (word === 'each') return { kind: 'each' };
  if (word === 'any') return { kind: 'any' };
  return { kind: 'node', name: word };
}

function parseSubject(cursor: Cursor): Subject {
  const first = cursor.next('a subject (nodes, service NAME, running tasks of NAME, http each :PORT/...)');
  switch (first) {
    case 'info':
      cursor.expect('on');
      return { kind: 'info', on: nodeTarget(cursor.next('a node name, each or any')) };
    case 'swarm':
    case 'nodes':
    case 'services':
    case 'networks':
    case 'secrets':
      return { kind: first };
    case 'node':
      return { kind: 'node', name: cursor.next('a node name') };
    case 'service':
      return { kind: 'service', name: cursor.next('a service name') };
    case 'network':
      return { kind: 'network', name: cursor.next('a network name') };
    case 'secret':
      return { kind: 'secret', name: cursor.next('a secret name') };
    case 'no': {
      const what = cursor.next('"service" or "secret"');
      if (what !== 'service' && what !== 'secret')
        throw new CheckSyntaxError(
          `"no" is followed by service or secret, not "${what}" in "${cursor.line}"`,
        );
      return { kind: what, name: cursor.next(`a ${what} name`), absent: true };
    }
    case 'tasks':
      cursor.expect('of');
      return { kind: 'tasks', service: cursor.next('a service name') };
    case 'running': {
      cursor.expect('tasks');
      cursor.expect('of');
      const service = cursor.next('a service name');
      if (cursor.peekWord() !== 'on') return { kind: 'tasks', service, running: true };
      cursor.expect('on');
      return { kind: 'tasks', service, running: true, on: cursor.next('managers, workers or a node name') };
    }
    case 'containers':
      cursor.expect('on');
      return { kind: 'containers', on: nodeTarget(cursor.next('a node name, each or any')) };
    case 'image': {
      const name = cursor.next('an image name');
      cursor.expect('on');
      return { kind: 'image', name, on: cursor.next('a node name') };
    }
    case 'http': {
      const on = nodeTarget(cursor.next('a node name, each or any'));
      const address = cursor.next(':PORT/path');
      const found = /^:(\d{1,5})(\/\S*)$/.exec(address);
      if (!found)
        throw new CheckSyntaxError(
          `expected :PORT/path after the node, found "${address}" in "${cursor.line}"`,
        );
      let times = 1;
      const repeat = cursor.peekWord();
      if (repeat && /^x\d+$/.test(repeat)) {
        cursor.next('xN');
        times = Number(repeat.slice(1));
        if (times < 1 || times > 50) throw new CheckSyntaxError(`repeat 1 to 50 times, not ${times}`);
      }
      return { kind: 'http', on, port: Number(found[1]), path: found[2], times };
    }
    case 'predicate': {
      const name = cursor.next('a predicate name');
      const args: string[] = [];
      while (!cursor.done && cursor.peek()?.kind !== 'sep') args.push(cursor.next('an argument'));
      return { kind: 'predicate', name, args };
    }
    default:
      throw new CheckSyntaxError(
        `unknown subject "${first}" in "${cursor.line}": use info on, swarm, nodes, node, services, service, ` +
          'no service, tasks of, running tasks of, networks, network, secrets, secret, no secret, containers on, ' +
          'image, http or predicate',
      );
  }
}

function parseCondition(cursor: Cursor): Condition {
  const path = cursor.next('a field path such as Spec.Name');
  const op = cursor.next(
    'an operator (==, !=, >=, <=, >, <, contains, matches, starts-with, exists, absent)',
  );
  if (op === 'exists' || op === 'absent') return { path, op };
  if (!(operators as string[]).includes(op)) {
    throw new CheckSyntaxError(
      `unknown operator "${op}" in "${cursor.line}": use ${operators.join(', ')}, exists or absent`,
    );
  }
  const value = cursor.next(`a value after "${path} ${op}"`);
  if (op === 'matches') {
    if (!/^\/.*\/[a-z]*$/.test(value))
      throw new CheckSyntaxError(`"matches" takes a /regular expression/ in "${cursor.line}"`);
    regexOf(value);
  }
  return { path, op: op as Operator, value };
}

/** The RegExp of a `/.../flags` literal. */
export function regexOf(literal: string): RegExp {
  const end = literal.lastIndexOf('/');
  try {
    return new RegExp(literal.slice(1, end), literal.slice(end + 1));
  } catch (error) {
    throw new CheckSyntaxError(`invalid regular expression ${literal}: ${(error as Error).message}`);
  }
}

function parseAssertion(cursor: Cursor, subject: Subject): Assertion {
  const word = cursor.peekWord();
  if (word === 'count') {
    cursor.next('count');
    const op = cursor.next('an operator after count');
    if (!(countOperators as readonly string[]).includes(op))
      throw new CheckSyntaxError(`count takes ${countOperators.join(', ')}, not "${op}"`);
    const value = Number(cursor.next('a number after count'));
    if (!Number.isInteger(value) || value < 0)
      throw new CheckSyntaxError(`count compares with a whole number in "${cursor.line}"`);
    if (!listSubjects.has(subject.kind))
      throw new CheckSyntaxError(
        `count applies to lists (nodes, tasks of ...), not to ${subject.kind} in "${cursor.line}"`,
      );
    return { kind: 'count', op: op as (typeof countOperators)[number], value };
  }
  if (word === 'distinct') {
    cursor.next('distinct');
    const path = cursor.next('a field after distinct');
    const op = cursor.next('>= or ==');
    if (op !== '>=' && op !== '==') throw new CheckSyntaxError(`distinct takes >= or ==, not "${op}"`);
    const value = Number(cursor.next('a number'));
    if (subject.kind !== 'http')
      throw new CheckSyntaxError(`distinct applies to repeated http probes in "${cursor.line}"`);
    return { kind: 'distinct', path, op, value };
  }
  return { kind: 'field', ...parseCondition(cursor) };
}

/** Parses one check line. Throws CheckSyntaxError saying what is wrong. */
export function parseCheck(line: string): Check {
  const source = line.trim();
  const cursor = new Cursor(tokenize(source), source);
  const subject = parseSubject(cursor);
  const where: Condition[] = [];
  if (cursor.accept('word', 'where')) {
    if (!listSubjects.has(subject.kind))
      throw new CheckSyntaxError(`"where" filters lists, not ${subject.kind} in "${source}"`);
    where.push(parseCondition(cursor));
    while (cursor.accept('word', 'and')) where.push(parseCondition(cursor));
  }
  const assertions: Assertion[] = [];
  if (cursor.accept('sep')) {
    assertions.push(parseAssertion(cursor, subject));
    while (cursor.accept('comma')) assertions.push(parseAssertion(cursor, subject));
  }
  if (!cursor.done)
    throw new CheckSyntaxError(
      `unexpected "${(cursor.peek() as { text?: string }).text ?? ','}" in "${source}"`,
    );
  if (
    assertions.length === 0 &&
    !['service', 'secret', 'predicate', 'node', 'network', 'image', 'swarm'].includes(subject.kind)
  ) {
    throw new CheckSyntaxError(`"${source}" asserts nothing: add ": count == N" or ": Field == value"`);
  }
  return { source, subject, where, assertions };
}
