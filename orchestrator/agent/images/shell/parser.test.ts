import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseScript, ShellSyntaxError } from './parser.js';

const words = (source: string) => {
  const script = parseScript(source);
  const command = script.items[0].command.first.commands[0];
  assert.equal(command.type, 'simple');
  return command.type === 'simple'
    ? command.words.map((w) => w.map((p) => (p.kind === 'text' ? p.text : `<${p.kind}>`)).join(''))
    : [];
};

test('words, quotes and escapes', () => {
  assert.deepEqual(words(`echo 'a b' "c d" e\\ f g"h"'i'`), ['echo', 'a b', 'c d', 'e f', 'ghi']);
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, not a template
  assert.deepEqual(words('echo $HOME "${X:-y}" $(hostname) `id`'), [
    'echo',
    '<param>',
    '<param>',
    '<command>',
    '<command>',
  ]);
  assert.deepEqual(words('echo # a comment'), ['echo']);
  assert.deepEqual(words('echo a#b'), ['echo', 'a#b']);
});

test('lists, pipelines, and-or lists and background jobs', () => {
  const script = parseScript('a; b && c || d | e & f\ng');
  assert.equal(script.items.length, 4);
  assert.equal(script.items[1].command.rest.length, 2);
  assert.equal(script.items[1].command.rest[1].pipeline.commands.length, 2);
  assert.equal(script.items[1].background, true);
});

test('redirections with file descriptors', () => {
  const script = parseScript('cmd >out 2>&1 <in 2>>err');
  const command = script.items[0].command.first.commands[0];
  assert.equal(command.type, 'simple');
  if (command.type !== 'simple') return;
  assert.deepEqual(
    command.redirects.map((r) => [r.fd, r.op]),
    [
      [1, '>'],
      [2, '>&'],
      [0, '<'],
      [2, '>>'],
    ],
  );
});

test('compound commands', () => {
  const script = parseScript(
    'if true; then echo y; elif false; then :; else echo n; fi; while false; do :; done; for i in 1 2; do echo $i; done; (cd /; pwd); { echo g; }',
  );
  assert.deepEqual(
    script.items.map((i) => i.command.first.commands[0].type),
    ['if', 'while', 'for', 'subshell', 'group'],
  );
});

test('syntax errors say what was unexpected, and incomplete input is marked', () => {
  assert.throws(() => parseScript('echo hi; fi'), /syntax error: unexpected "fi"/);
  assert.throws(() => parseScript('| x'), /syntax error: unexpected "\|"/);
  assert.throws(
    () => parseScript("echo 'open"),
    (error: unknown) => error instanceof ShellSyntaxError && error.incomplete,
  );
  assert.throws(
    () => parseScript('if true; then'),
    (error: unknown) => error instanceof ShellSyntaxError && error.incomplete,
  );
});
