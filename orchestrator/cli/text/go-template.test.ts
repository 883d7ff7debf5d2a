import assert from 'node:assert/strict';
import { test } from 'node:test';
import { basicFunctions } from '../formatter/format-context.js';
import { GoFloat, GoTemplate, goEmbedded, goTypeName } from './go-template.js';

function run(source: string, data: unknown, missingKey: 'default' | 'error' = 'default'): string {
  return GoTemplate.parse(source, { funcs: basicFunctions }).execute(data, { missingKey });
}

const version = {
  Client: { Version: '28.2.2', Os: 'linux', Platform: null, Labels: {} },
  Server: null,
};

test('fields, pipelines and docker functions', () => {
  assert.equal(run('{{.Client.Version}}', version), '28.2.2');
  assert.equal(run('{{.Client.Os | upper}}', version), 'LINUX');
  assert.equal(run('{{printf "%5s|" .Client.Os}}', version), 'linux|');
  assert.equal(run('{{.Client.Platform}}', version), '<nil>');
  assert.equal(run('{{.Missing}}', version), '<no value>');
  assert.equal(run('{{len .Client.Version}}', version), '6');
  assert.equal(
    run('{{range $i, $e := split .Client.Version "."}}{{$i}}={{$e}} {{end}}', version),
    '0=28 1=2 2=2 ',
  );
  assert.equal(run('{{index (split .Client.Version ".") 1}}', version), '2');
  assert.equal(run('{{if .Server}}yes{{else}}no{{end}}', version), 'no');
  assert.equal(
    run('{{ title "hello world" }} {{pad "x" 2 3}}|{{truncate "abcdef" 3}}', {}),
    'Hello World   x   |abc',
  );
  assert.equal(
    run('{{json .Client}}', version),
    '{"Version":"28.2.2","Os":"linux","Platform":null,"Labels":{}}',
  );
  assert.equal(
    run('{{eq 1 1}} {{ne "a" "b"}} {{lt 1 2}} {{and 1 0}} {{or 0 "x"}} {{not 0}}', {}),
    'true true true 0 x true',
  );
  assert.equal(
    run(
      '{{slice "abcdef" 1 3}} {{html "<a>"}} {{js "a\'b"}} {{urlquery "a b"}} {{print 1 2 "a" "b" 3}} {{println "x"}}',
      {},
    ),
    "bc &lt;a&gt; a\\'b a+b 1 2ab3 x\n",
  );
  assert.equal(run('{{1.5}} {{1e6}} {{3}} {{"a" | printf "%q"}}', {}), '1.5 1e+06 3 "a"');
  assert.equal(run('{{join .L ", "}}', { L: ['a', 'b'] }), 'a, b');
  assert.equal(run('{{.L}} {{.M}}', { L: ['a', 'b'], M: { b: 1, a: 'x' } }), '[a b] map[a:x b:1]');
});

test('control structures and whitespace trimming', () => {
  const data = { Labels: { b: '2', a: '' }, Items: [1, 2, 3], Empty: [] };
  assert.equal(run('{{range $k, $v := .Labels}}{{$k}}{{if $v}}={{$v}}{{end}};{{end}}', data), 'a;b=2;');
  assert.equal(run('{{range .Empty}}x{{else}}none{{end}}', data), 'none');
  assert.equal(run('{{range .Items}}{{if eq . 2}}{{continue}}{{end}}{{.}}{{end}}', data), '13');
  assert.equal(run('{{range .Items}}{{if eq . 2}}{{break}}{{end}}{{.}}{{end}}', data), '1');
  assert.equal(
    run('{{with .Labels.b}}[{{.}}]{{end}}{{with .Labels.a}}x{{else}}empty{{end}}', data),
    '[2]empty',
  );
  assert.equal(run('a  {{- 1 -}}  b', {}), 'a1b');
  assert.equal(run('{{if false}}1{{else if true}}2{{else}}3{{end}}', {}), '2');
  assert.equal(run('{{$x := 1}}{{$x = 2}}{{$x}}', {}), '2');
  assert.equal(run('{{/* comment */}}ok', {}), 'ok');
  assert.equal(run('{{range $i, $e := .Items}}{{$.Labels.b}}{{end}}', data), '222');
});

test('errors are worded as Go text/template', () => {
  assert.throws(() => GoTemplate.parse('{{foo}}', { funcs: basicFunctions, name: 'version' }), {
    message: 'template: version:1: function "foo" not defined',
  });
  assert.throws(() => GoTemplate.parse('{{.Client.Version', { funcs: basicFunctions }), {
    message: 'template: :1: unclosed action',
  });
  assert.throws(() => run('{{.Foo}}', { A: 1 }, 'error'), {
    message: 'template: :1:2: executing "" at <.Foo>: map has no entry for key "Foo"',
  });
  assert.throws(() => run('{{index .L 5}}', { L: [1] }), {
    message: 'template: :1:2: executing "" at <index>: error calling index: index out of range: 5',
  });
  class Ctx {
    readonly [goTypeName] = '*service.serviceContext';
    ID() {
      return 'x';
    }
  }
  assert.throws(() => run('{{.ID}} {{.Foo}}', new Ctx()), {
    message:
      'template: :1:10: executing "" at <.Foo>: can\'t evaluate field Foo in type *service.serviceContext',
  });
});

test('struct contexts call methods and reach embedded fields', () => {
  class NodeCtx {
    readonly [goTypeName] = '*node.nodeInspectContext';
    readonly [goEmbedded]: object;
    constructor(node: object) {
      this[goEmbedded] = node;
    }
    Hostname() {
      return 'swarm-1';
    }
    Label(name: string) {
      return `label:${name}`;
    }
  }
  const ctx = new NodeCtx({ Status: { Addr: '127.0.0.1' } });
  assert.equal(run('{{.Hostname}} {{.Status.Addr}} {{.Label "a.b"}}', ctx), 'swarm-1 127.0.0.1 label:a.b');
  assert.equal(run('{{.CPU}}', { CPU: new GoFloat(2) }), '2');
  assert.equal(run('{{if gt .CPU 0.0}}yes{{end}}', { CPU: new GoFloat(0.5) }), 'yes');
});
