/**
 * Declarative step checks: what a lesson's `check` block lines parse into. One line is one check:
 *
 *     subject [where condition [and condition]...] [: assertion[, assertion]...]
 *
 * e.g. `running tasks of docker-routing-mesh: count == 3` or `http each :8080/: status == 200`.
 * See lessons/README.md for the whole language.
 */

export type Operator = '==' | '!=' | '>=' | '<=' | '>' | '<' | 'contains' | 'matches' | 'starts-with';

/** `PATH OP VALUE`, `PATH exists` or `PATH absent`. PATH is dotted, with `[n]` or `[*]` (any element). */
export type Condition =
  | { path: string; op: Operator; value: string }
  | { path: string; op: 'exists' | 'absent' };

/** A node of the lab by name (swarm-1...), every node (`each`), or any one of them (`any`). */
export type NodeTarget = { kind: 'node'; name: string } | { kind: 'each' } | { kind: 'any' };

export type Subject =
  | { kind: 'info'; on: NodeTarget }
  | { kind: 'swarm' }
  | { kind: 'nodes' }
  | { kind: 'node'; name: string }
  | { kind: 'services' }
  | { kind: 'service'; name: string; absent?: boolean }
  | { kind: 'tasks'; service: string; running?: boolean; on?: 'managers' | 'workers' | string }
  | { kind: 'networks' }
  | { kind: 'network'; name: string }
  | { kind: 'secrets' }
  | { kind: 'secret'; name: string; absent?: boolean }
  | { kind: 'containers'; on: NodeTarget }
  | { kind: 'image'; name: string; on: string }
  | { kind: 'http'; on: NodeTarget; port: number; path: string; times: number }
  | { kind: 'predicate'; name: string; args: string[] };

export type Assertion =
  | { kind: 'count'; op: Exclude<Operator, 'contains' | 'matches' | 'starts-with'>; value: number }
  | { kind: 'distinct'; path: string; op: '>=' | '=='; value: number }
  | ({ kind: 'field' } & Condition);

export interface Check {
  /** The line as written, for messages and the solve report. */
  source: string;
  subject: Subject;
  where: Condition[];
  assertions: Assertion[];
}

/** The outcome of one check, in plain words either way. */
export interface CheckResult {
  ok: boolean;
  message: string;
}
