import type { ContainerSummary, Node, Task } from '../../orchestrator/api/engine-types.js';
import { type CheckContext, EngineApiError, type Predicate } from './check-context.js';
import type { Assertion, Check, CheckResult, Condition, NodeTarget, Subject } from './check-types.js';
import type { ClusterSnapshot } from './cluster-snapshot.js';
import { holds, show, valuesAt } from './field-path.js';
import type { HttpAnswer } from './http-probe.js';

type ListKind = 'nodes' | 'services' | 'tasks' | 'networks' | 'secrets' | 'containers';

/** A filter on list items, with how to say why an item does not pass it. */
interface Filter {
  text: string;
  test(item: unknown): boolean;
  why(item: unknown): string;
}

interface ListSubject {
  kind: 'list';
  list: ListKind;
  /** How to name `count` items: "running task(s) of web". */
  noun: (count: number) => string;
  items: unknown[];
  filters: Filter[];
  name(item: unknown): string;
}

interface OneSubject {
  kind: 'one';
  label: string;
  value: unknown;
}

type Resolved =
  | ListSubject
  | OneSubject
  | { kind: 'many'; subjects: OneSubject[]; any: boolean }
  | CheckResult;

const fail = (message: string): CheckResult => ({ ok: false, message });
const pass = (message: string): CheckResult => ({ ok: true, message });

function substitute(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\{?([A-Z][A-Z0-9_]*)\}?/g, (whole, name: string) => vars[name] ?? whole);
}

function conditionText(condition: Condition): string {
  return 'value' in condition
    ? `${condition.path} ${condition.op} ${condition.value}`
    : `${condition.path} ${condition.op}`;
}

/** Why the swarm-wide reads have nothing, in words a learner can act on. */
export function noSwarmMessage(snapshot: ClusterSnapshot): string {
  const reachable = snapshot.nodes.filter((n) => n.reachable);
  if (reachable.length === 0) return 'no node of the lab answers: start or reset the lab';
  const states = reachable.map((n) => n.info?.Swarm?.LocalNodeState ?? 'inactive');
  if (states.every((s) => s === 'inactive'))
    return 'no node is in a swarm yet (docker swarm init creates one)';
  if (!reachable.some((n) => n.info?.Swarm?.ControlAvailable))
    return 'no manager answers: the swarm has no reachable manager node';
  return `no manager answers: ${snapshot.errors[0] ?? 'the managers did not answer'}`;
}

function plural(word: string, count: number): string {
  return count === 1 ? word : `${word}s`;
}

function taskName(task: Task, snapshot: ClusterSnapshot): string {
  const service =
    snapshot.services.find((s) => s.ID === task.ServiceID)?.Spec?.Name ?? task.ServiceID?.slice(0, 12);
  return `${service}.${task.Slot ?? task.NodeID?.slice(0, 12) ?? task.ID?.slice(0, 12)}`;
}

function nodeName(node: Node): string {
  return node.Description?.Hostname ?? node.ID?.slice(0, 12) ?? '?';
}

function itemNamer(list: ListKind, snapshot: ClusterSnapshot): (item: unknown) => string {
  switch (list) {
    case 'nodes':
      return (item) => nodeName(item as Node);
    case 'tasks':
      return (item) => taskName(item as Task, snapshot);
    case 'services':
    case 'secrets':
      return (item) => String((item as { Spec?: { Name?: string } }).Spec?.Name ?? '?');
    case 'networks':
      return (item) => String((item as { Name?: string }).Name ?? '?');
    case 'containers':
      return (item) => {
        const c = item as ContainerSummary & { node?: string };
        return `${(c.Names?.[0] ?? c.Id?.slice(0, 12) ?? '?').replace(/^\//, '')} on ${c.node}`;
      };
  }
}

/** Why an item fails a condition: "is pending (no suitable node ...)" for states, else the field's value. */
function whyNot(list: ListKind, item: unknown, condition: Condition): string {
  const values = valuesAt(item, condition.path);
  if (list === 'tasks' && condition.path === 'Status.State') {
    const task = item as Task;
    const detail = task.Status?.Err || (task.Status?.State !== 'running' ? task.Status?.Message : '');
    return `is ${show(values)}${detail ? ` (${detail})` : ''}`;
  }
  if (list === 'nodes' && condition.path === 'Status.State') return `is ${show(values)}`;
  if (list === 'nodes' && condition.path === 'Spec.Availability') return `has availability ${show(values)}`;
  if (list === 'nodes' && condition.path === 'Spec.Role') return `is a ${show(values)}`;
  return `has ${condition.path} ${show(values)}`;
}

function conditionFilter(list: ListKind, condition: Condition, vars: Record<string, string>): Filter {
  const resolved =
    'value' in condition ? { ...condition, value: substitute(condition.value, vars) } : condition;
  return {
    text: conditionText(condition),
    test: (item) => holds(item, resolved),
    why: (item) => whyNot(list, item, resolved),
  };
}

function targets(ctx: CheckContext, on: NodeTarget): { name: string; addr: string }[] | CheckResult {
  if (on.kind !== 'node') return ctx.lab.nodes;
  const node = ctx.lab.nodes.find((n) => n.name === on.name);
  return node
    ? [node]
    : fail(`the lab has no node ${on.name} (it has ${ctx.lab.nodes.map((n) => n.name).join(', ')})`);
}

function asList(value: unknown[] | CheckResult): value is unknown[] {
  return Array.isArray(value);
}

async function resolveSubject(
  subject: Subject,
  ctx: CheckContext,
  where: Condition[],
  predicates: Record<string, Predicate>,
): Promise<Resolved> {
  const { snapshot } = ctx;
  const list = (
    kind: ListKind,
    items: unknown[],
    noun: (count: number) => string,
    extra: Filter[] = [],
  ): ListSubject => ({
    kind: 'list',
    list: kind,
    noun,
    items,
    filters: [...extra, ...where.map((c) => conditionFilter(kind, c, ctx.vars))],
    name: itemNamer(kind, snapshot),
  });
  const whereText = where.length ? ` where ${where.map(conditionText).join(' and ')}` : '';
  const swarmWide = !['info', 'containers', 'image', 'http', 'predicate'].includes(subject.kind);
  if (swarmWide && !snapshot.manager) return fail(noSwarmMessage(snapshot));

  switch (subject.kind) {
    case 'info': {
      const nodes = targets(ctx, subject.on);
      if (!asList(nodes)) return nodes;
      const subjects: OneSubject[] = [];
      for (const node of nodes) {
        const probe = snapshot.nodes.find((n) => n.name === node.name);
        if (!probe?.reachable) {
          if (subject.on.kind === 'any') continue;
          return fail(`${node.name} does not answer (${probe?.error ?? 'no reading yet'})`);
        }
        subjects.push({ kind: 'one', label: node.name, value: probe.info });
      }
      return { kind: 'many', subjects, any: subject.on.kind === 'any' };
    }
    case 'swarm':
      return snapshot.swarm
        ? { kind: 'one', label: 'the swarm', value: snapshot.swarm }
        : fail(`cannot read the swarm: ${snapshot.errors.join('; ') || 'no answer'}`);
    case 'nodes':
      return list('nodes', snapshot.swarmNodes, (n) => `${plural('node', n)}${whereText}`);
    case 'node': {
      const node = snapshot.swarmNodes.find((n) => nodeName(n) === subject.name || n.ID === subject.name);
      return node
        ? { kind: 'one', label: `node ${subject.name}`, value: node }
        : fail(`${subject.name} is not a node of the swarm (docker node ls lists them)`);
    }
    case 'services':
      return list('services', snapshot.services, (n) => `${plural('service', n)}${whereText}`);
    case 'service': {
      const service = snapshot.services.find((s) => s.Spec?.Name === subject.name);
      if (subject.absent)
        return service
          ? fail(`service ${subject.name} still exists (docker service rm ${subject.name} removes it)`)
          : pass(`service ${subject.name} is gone`);
      return service
        ? { kind: 'one', label: `service ${subject.name}`, value: service }
        : fail(`service ${subject.name} does not exist yet`);
    }
    case 'tasks': {
      const service = snapshot.services.find((s) => s.Spec?.Name === subject.service);
      if (!service) return fail(`service ${subject.service} does not exist yet`);
      let tasks = snapshot.tasks.filter((t) => t.ServiceID === service.ID);
      const extra: Filter[] = [];
      let adjective = '';
      let place = '';
      if (subject.running) {
        adjective = 'running ';
        tasks = tasks.filter((t) => t.DesiredState === 'running');
        extra.push(conditionFilter('tasks', { path: 'Status.State', op: '==', value: 'running' }, ctx.vars));
      }
      if (subject.on) {
        const where = subject.on;
        const role = where === 'managers' ? 'manager' : where === 'workers' ? 'worker' : undefined;
        const byId = new Map(snapshot.swarmNodes.map((n) => [n.ID, n]));
        place = ` on ${where}`;
        extra.push({
          text: `on ${where}`,
          test: (item) => {
            const node = byId.get((item as Task).NodeID);
            return role ? node?.Spec?.Role === role : node !== undefined && nodeName(node) === where;
          },
          why: (item) => {
            const node = byId.get((item as Task).NodeID);
            return node ? `runs on ${nodeName(node)}, a ${node.Spec?.Role}` : 'is on no node yet';
          },
        });
      }
      return list(
        'tasks',
        tasks,
        (n) => `${adjective}${plural('task', n)} of ${subject.service}${place}${whereText}`,
        extra,
      );
    }
    case 'networks':
      return list('networks', snapshot.networks, (n) => `${plural('network', n)}${whereText}`);
    case 'network': {
      const network = snapshot.networks.find((n) => n.Name === subject.name);
      return network
        ? { kind: 'one', label: `network ${subject.name}`, value: network }
        : fail(`network ${subject.name} does not exist yet`);
    }
    case 'secrets':
      return list('secrets', snapshot.secrets, (n) => `${plural('secret', n)}${whereText}`);
    case 'secret': {
      const secret = snapshot.secrets.find((s) => s.Spec?.Name === subject.name);
      if (subject.absent)
        return secret ? fail(`secret ${subject.name} still exists`) : pass(`secret ${subject.name} is gone`);
      return secret
        ? { kind: 'one', label: `secret ${subject.name}`, value: secret }
        : fail(`secret ${subject.name} does not exist yet`);
    }
    case 'containers': {
      const nodes = targets(ctx, subject.on);
      if (!asList(nodes)) return nodes;
      const items: unknown[] = [];
      for (const node of nodes) {
        try {
          const containers = await ctx.api<ContainerSummary[]>(node.name, '/containers/json?all=1');
          items.push(...containers.map((c) => ({ ...c, node: node.name })));
        } catch (error) {
          return fail(`cannot list the containers of ${node.name}: ${(error as Error).message}`);
        }
      }
      return list('containers', items, (n) => `${plural('container', n)}${whereText}`);
    }
    case 'image': {
      try {
        const image = await ctx.api(subject.on, `/images/${encodeURIComponent(subject.name)}/json`);
        return { kind: 'one', label: `image ${subject.name} on ${subject.on}`, value: image };
      } catch (error) {
        if (error instanceof EngineApiError && error.status === 404)
          return fail(`${subject.on} has no image ${subject.name} (docker pull ${subject.name} gets it)`);
        return fail(`cannot inspect image ${subject.name} on ${subject.on}: ${(error as Error).message}`);
      }
    }
    case 'http':
      throw new Error('http subjects are evaluated by evaluateHttp');
    case 'predicate': {
      const predicate = predicates[subject.name];
      if (!predicate) return fail(`unknown predicate ${subject.name}`);
      return predicate(
        ctx,
        subject.args.map((a) => substitute(a, ctx.vars)),
      );
    }
  }
}

function opPhrase(op: string): string {
  return (
    {
      '==': '',
      '!=': 'other than ',
      '>=': 'at least ',
      '<=': 'at most ',
      '>': 'more than ',
      '<': 'fewer than ',
    }[op] ?? ''
  );
}

function compareCount(found: number, op: string, value: number): boolean {
  switch (op) {
    case '==':
      return found === value;
    case '!=':
      return found !== value;
    case '>=':
      return found >= value;
    case '<=':
      return found <= value;
    case '>':
      return found > value;
    default:
      return found < value;
  }
}

function checkField(
  label: string,
  value: unknown,
  assertion: Assertion & { kind: 'field' },
  vars: Record<string, string>,
): CheckResult {
  const condition =
    'value' in assertion ? { ...assertion, value: substitute(assertion.value, vars) } : assertion;
  const text = conditionText(condition);
  if (holds(value, condition)) return pass(`${label}: ${text}`);
  return fail(`${label}: expected ${text}, found ${show(valuesAt(value, condition.path))}`);
}

function evaluateList(
  subject: ListSubject,
  assertions: Assertion[],
  vars: Record<string, string>,
): CheckResult {
  const matched = subject.items.filter((item) => subject.filters.every((f) => f.test(item)));
  const passes: string[] = [];
  for (const assertion of assertions) {
    if (assertion.kind === 'count') {
      const found = matched.length;
      if (compareCount(found, assertion.op, assertion.value)) {
        passes.push(`${found} ${subject.noun(found)}`);
        continue;
      }
      const reasons: string[] = [];
      if (found < assertion.value) {
        for (const item of subject.items) {
          const failed = subject.filters.find((f) => !f.test(item));
          if (failed) reasons.push(`${subject.name(item)} ${failed.why(item)}`);
          if (reasons.length === 3) break;
        }
      }
      const more = reasons.length ? `: ${reasons.join('; ')}` : '';
      return fail(
        `expected ${opPhrase(assertion.op)}${assertion.value} ${subject.noun(assertion.value)}, found ${found}${more}`,
      );
    }
    if (assertion.kind === 'field') {
      if (matched.length === 0) return fail(`expected ${subject.noun(2)}, found none`);
      for (const item of matched) {
        const result = checkField(subject.name(item), item, assertion, vars);
        if (!result.ok) return result;
      }
      const condition =
        'value' in assertion ? { ...assertion, value: substitute(assertion.value, vars) } : assertion;
      passes.push(`with ${conditionText(condition)}`);
    }
  }
  if (passes[0]?.startsWith('with ')) passes.unshift(`${matched.length} ${subject.noun(matched.length)}`);
  return pass(passes.join(', '));
}

function evaluateOne(
  subject: OneSubject,
  assertions: Assertion[],
  vars: Record<string, string>,
): CheckResult {
  if (assertions.length === 0) return pass(`${subject.label} exists`);
  const passes: string[] = [];
  for (const assertion of assertions) {
    if (assertion.kind !== 'field') return fail(`${assertion.kind} does not apply to ${subject.label}`);
    const result = checkField(subject.label, subject.value, assertion, vars);
    if (!result.ok) return result;
    passes.push(result.message);
  }
  return pass(passes.join(', '));
}

async function evaluateHttp(
  check: Check,
  subject: Subject & { kind: 'http' },
  ctx: CheckContext,
): Promise<CheckResult> {
  const nodes = targets(ctx, subject.on);
  if (!asList(nodes)) return nodes;
  const failures: string[] = [];
  const passes: string[] = [];
  for (const node of nodes as { name: string; addr: string }[]) {
    const url = `http://${node.addr}:${subject.port}${subject.path}`;
    const answers: HttpAnswer[] = [];
    let failure: string | undefined;
    for (let i = 0; i < subject.times && !failure; i++) {
      try {
        answers.push(await ctx.http(node.addr, subject.port, subject.path));
      } catch (error) {
        failure = `${url} (${node.name}) does not answer: ${(error as Error).message}`;
      }
    }
    for (const assertion of check.assertions) {
      if (failure) break;
      if (assertion.kind === 'distinct') {
        const distinct = new Set(answers.map((a) => JSON.stringify(valuesAt(a, assertion.path)))).size;
        if (!compareCount(distinct, assertion.op, assertion.value)) {
          failure = `${url} (${node.name}): expected ${opPhrase(assertion.op)}${assertion.value} different ${assertion.path} in ${subject.times} requests, found ${distinct}`;
        }
      } else if (assertion.kind === 'field') {
        for (const answer of answers) {
          const result = checkField(`${url} (${node.name})`, answer, assertion, ctx.vars);
          if (!result.ok) {
            failure = result.message;
            break;
          }
        }
      }
    }
    if (failure) {
      if (subject.on.kind !== 'any') return fail(failure);
      failures.push(failure);
    } else {
      if (subject.on.kind === 'any') return pass(`${url} (${node.name}) answers as expected`);
      passes.push(node.name);
    }
  }
  if (subject.on.kind === 'any') return fail(failures[0] ?? 'no node to probe');
  return pass(`:${subject.port}${subject.path} answers as expected on ${passes.join(', ')}`);
}

/** Evaluates one check against live cluster state; never throws (a broken read is a failed check). */
export async function evaluateCheck(
  check: Check,
  ctx: CheckContext,
  predicates: Record<string, Predicate> = {},
): Promise<CheckResult> {
  try {
    if (check.subject.kind === 'http') return await evaluateHttp(check, check.subject, ctx);
    const resolved = await resolveSubject(check.subject, ctx, check.where, predicates);
    if ('ok' in resolved) return resolved;
    if (resolved.kind === 'list') return evaluateList(resolved, check.assertions, ctx.vars);
    if (resolved.kind === 'one') return evaluateOne(resolved, check.assertions, ctx.vars);
    const results = resolved.subjects.map((s) => evaluateOne(s, check.assertions, ctx.vars));
    if (resolved.any) return results.find((r) => r.ok) ?? results[0] ?? fail('no node answers');
    return results.find((r) => !r.ok) ?? pass(results.map((r) => r.message).join('; '));
  } catch (error) {
    return fail(`${check.source}: ${(error as Error).message}`);
  }
}
