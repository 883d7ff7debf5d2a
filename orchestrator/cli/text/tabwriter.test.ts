import assert from 'node:assert/strict';
import { test } from 'node:test';
import { indentJSON, marshalIndent } from './go-json.js';
import { alignTable, TabWriter } from './tabwriter.js';

test('tables align as docker prints `docker service ls`', () => {
  const text =
    'ID\tNAME\tMODE\tREPLICAS\tIMAGE\tPORTS\n' +
    'q2m1hzbk306e\tweb\treplicated\t3/3\tnginx:latest\t*:8080->80/tcp\n';
  assert.equal(
    alignTable(text),
    'ID             NAME      MODE         REPLICAS   IMAGE          PORTS\n' +
      'q2m1hzbk306e   web       replicated   3/3        nginx:latest   *:8080->80/tcp\n',
  );
});

test('empty trailing cells are padded and the last cell is not', () => {
  const text = 'ID\tNAME\tERROR\tPORTS\n' + 'ajb0izqlss6x\tweb.1\t\t\n' + 'ctw9e0jnyj1n\t \\_ web.1\t\t\n';
  assert.equal(
    alignTable(text),
    'ID             NAME        ERROR     PORTS\n' +
      'ajb0izqlss6x   web.1                 \n' +
      'ctw9e0jnyj1n    \\_ web.1             \n',
  );
});

test('a line without tabs ends a column block', () => {
  const writer = new TabWriter({ minWidth: 0, tabWidth: 1, padding: 1 });
  writer.write('a\tb\nlonger\tc\nplain line\nx\ty\n');
  assert.equal(writer.flush(), 'a      b\nlonger c\nplain line\nx y\n');
});

test('wide characters count as two columns', () => {
  assert.equal(alignTable('名前\tX\nab\tY\n', { minWidth: 0, padding: 1 }), '名前 X\nab   Y\n');
});

test('raw JSON is re-indented like json.Indent', () => {
  assert.equal(
    indentJSON('{"ID":"x","Labels":{},"Ports":[],"Spec":{"Name":"web","List":[1,2]}}'),
    '{\n    "ID": "x",\n    "Labels": {},\n    "Ports": [],\n    "Spec": {\n        "Name": "web",\n        "List": [\n            1,\n            2\n        ]\n    }\n}',
  );
  assert.equal(indentJSON('[ {"a" : "b, c"} ]'), '[\n    {\n        "a": "b, c"\n    }\n]');
  assert.equal(marshalIndent({ a: '<x>' }), '{\n    "a": "\\u003cx\\u003e"\n}');
});
