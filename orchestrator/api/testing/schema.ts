/**
 * Test support: validates API responses against the `definitions` of the Docker Engine API v1.47 definition
 * (Swagger 2.0, converted to JSON Schema for Ajv). Only tests import this module (js-yaml is a dev dependency).
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import yaml from 'js-yaml';

type Schema = Record<string, unknown>;

const specPath = new URL('../../../../orchestrator/api/spec/swagger-v1.47.yaml', import.meta.url);

/**
 * Where the definition is narrower than what Docker really answers. Each entry is a documented fact of the
 * engine, not a loosening for our convenience.
 */
function patchKnownGaps(spec: SwaggerSpec): void {
  // Docker answers rollback states in Service.UpdateStatus.State (swarmkit UpdateStatus_UpdateState), though
  // the v1.47 definition lists only updating/paused/completed.
  const service = spec.definitions.Service as { properties: Record<string, Schema> };
  const state = (service.properties.UpdateStatus as { properties: Record<string, Schema> }).properties.State;
  state.enum = [
    'updating',
    'paused',
    'completed',
    'rollback_started',
    'rollback_paused',
    'rollback_completed',
  ];
  // The definition names IdResponse (`{"Id"}`) for secret and config creation, but the engine encodes
  // types.SecretCreateResponse and types.ConfigCreateResponse, whose field has no JSON tag: `{"ID"}`.
  for (const path of ['/secrets/create', '/configs/create']) {
    const created = spec.paths[path]?.post?.responses?.['201'];
    if (created) {
      created.schema = { type: 'object', required: ['ID'], properties: { ID: { type: 'string' } } };
    }
  }
}

/**
 * Swagger 2.0 -> JSON Schema: `x-nullable` becomes a null type, vendor keys and examples go. `refBase` prefixes
 * `$ref`s, for schemas compiled outside the definitions (the responses of `paths`).
 */
function convert(node: unknown, refBase = ''): unknown {
  if (Array.isArray(node)) return node.map((item) => convert(item, refBase));
  if (node === null || typeof node !== 'object') return node;
  const out: Schema = {};
  for (const [key, value] of Object.entries(node as Schema)) {
    if (key.startsWith('x-') || key === 'example' || key === 'format' || key === 'discriminator') continue;
    if (key === 'properties' || key === 'definitions' || key === 'patternProperties') {
      out[key] = Object.fromEntries(
        Object.entries(value as Schema).map(([k, v]) => [k, convert(v, refBase)]),
      );
      continue;
    }
    out[key] = key === '$ref' && typeof value === 'string' ? `${refBase}${value}` : convert(value, refBase);
  }
  const nullable = (node as Schema)['x-nullable'] === true;
  if (nullable) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else if (out.$ref || out.allOf) return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}

interface SwaggerOperation {
  parameters?: { in: string; schema?: Schema }[];
  responses?: Record<string, { schema?: Schema }>;
}

interface SwaggerSpec {
  definitions: Record<string, Schema>;
  paths: Record<string, Record<string, SwaggerOperation>>;
}

interface Loaded {
  ajv: Ajv;
  /** The definitions as written (Swagger 2.0), for walking request bodies. */
  raw: Record<string, Schema>;
  validators: Map<string, ValidateFunction>;
  responseValidators: Map<string, ValidateFunction>;
  operations: SpecOperation[];
}

/** One operation of the definition's `paths`, e.g. `POST /services/create`. */
export interface SpecOperation {
  method: string;
  /** The path template, e.g. `/services/{id}/update`. */
  path: string;
  /** Its success answers (status < 300) with their schema; `undefined`: the answer has no described body. */
  success: Map<number, Schema | undefined>;
  /** Matches concrete paths; `{name}` spans slashes (image names), other parameters one segment. */
  pattern: RegExp;
  /** The request body's schema (as written in the definition, references unresolved), if it takes one. */
  body?: Schema;
}

let loaded: Loaded | undefined;

function pathPattern(template: string): RegExp {
  const source = template
    .split(/(\{\w+\})/)
    .map((part) => {
      if (part === '{name}') return '.+';
      if (/^\{\w+\}$/.test(part)) return '[^/]+';
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${source}/?$`);
}

function load(): Loaded {
  const spec = yaml.load(readFileSync(specPath, 'utf8')) as SwaggerSpec;
  patchKnownGaps(spec);
  const definitions = convert(spec.definitions) as Record<string, Schema>;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema({ $id: 'docker', definitions });
  const validators = new Map<string, ValidateFunction>();
  for (const name of Object.keys(definitions)) {
    validators.set(name, ajv.compile({ $ref: `docker#/definitions/${name}` }));
  }
  const operations: SpecOperation[] = [];
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      if (method === 'parameters') continue;
      const success = new Map<number, Schema | undefined>();
      for (const [code, response] of Object.entries(operation.responses ?? {})) {
        if (Number(code) < 300) success.set(Number(code), response.schema);
      }
      const body = operation.parameters?.find((parameter) => parameter.in === 'body')?.schema;
      operations.push({ method: method.toUpperCase(), path, success, pattern: pathPattern(path), body });
    }
  }
  // Literal paths before templated ones: `/containers/json` is not `/containers/{id}`.
  const params = (op: SpecOperation) => (op.path.match(/\{/g) ?? []).length;
  operations.sort((a, b) => params(a) - params(b));
  return { ajv, raw: spec.definitions, validators, responseValidators: new Map(), operations };
}

function describeErrors(validate: ValidateFunction): string {
  return (validate.errors ?? []).map((e) => `  ${e.instancePath || '/'} ${e.message}`).join('\n');
}

/** Throws (listing every violation) unless `value` matches the named definition, e.g. "Node" or "SystemInfo". */
export function assertMatchesDefinition(definition: string, value: unknown): void {
  loaded ??= load();
  const validate = loaded.validators.get(definition);
  if (!validate) throw new Error(`no definition "${definition}" in swagger-v1.47.yaml`);
  if (!validate(value)) {
    throw new Error(`response does not match definition ${definition}:\n${describeErrors(validate)}`);
  }
}

/** Every operation of the definition's `paths`. */
export function specOperations(): readonly SpecOperation[] {
  loaded ??= load();
  return loaded.operations;
}

/** The operation a request is for (`GET /services/web` -> `GET /services/{id}`), if the definition has one. */
export function findOperation(method: string, path: string): SpecOperation | undefined {
  const bare = path.split('?')[0];
  return specOperations().find((op) => op.method === method && op.pattern.test(bare));
}

/**
 * What the definition names as the answer's body: a definition (`Service`), an array of one (`Service[]`),
 * `inline <type>` for a schema written in the path itself, or `undefined` when no body is described.
 */
export function describeSchema(schema: Schema | undefined): string | undefined {
  if (!schema) return undefined;
  const name = (ref: unknown) => String(ref).replace('#/definitions/', '');
  if (schema.$ref) return name(schema.$ref);
  const items = schema.items as Schema | undefined;
  if (schema.type === 'array' && items?.$ref) return `${name(items.$ref)}[]`;
  return `inline ${String(schema.type ?? 'schema')}`;
}

/** Throws (listing every violation) unless `value` matches the schema the definition gives for this answer. */
export function assertMatchesResponse(operation: SpecOperation, status: number, value: unknown): void {
  loaded ??= load();
  if (!operation.success.has(status)) {
    const documented = [...operation.success.keys()].join(', ');
    throw new Error(
      `${operation.method} ${operation.path} answered ${status}; the definition documents ${documented}`,
    );
  }
  const schema = operation.success.get(status);
  if (!schema) throw new Error(`${operation.method} ${operation.path} ${status} has no described body`);
  const key = `${operation.method} ${operation.path} ${status}`;
  let validate = loaded.responseValidators.get(key);
  if (!validate) {
    validate = loaded.ajv.compile(convert(schema, 'docker') as Schema);
    loaded.responseValidators.set(key, validate);
  }
  if (!validate(value)) {
    throw new Error(
      `${operation.method} ${operation.path} ${status} does not match ${describeSchema(schema)}:\n${describeErrors(validate)}`,
    );
  }
}

/** Like assertMatchesDefinition for each item of an array answer. */
export function assertEachMatches(definition: string, values: unknown): void {
  if (!Array.isArray(values)) throw new Error(`expected an array of ${definition}, got ${typeof values}`);
  values.forEach((value, i) => {
    try {
      assertMatchesDefinition(definition, value);
    } catch (error) {
      throw new Error(`item ${i}: ${(error as Error).message}`);
    }
  });
}

/** A field of a request body: where it is (`["TaskTemplate", "ContainerSpec", "Image"]`) and its JSON type. */
export interface BodyField {
  path: string[];
  type: 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object';
  /** For arrays: the type of their items, when the definition gives a plain one. */
  items?: string;
  /** True for the values of a map (`Labels.<key>`): the last path element is a sample key. */
  mapValue?: boolean;
}

/**
 * Every typed field of a request body, down to `maxDepth` levels deep (maps get one sample key `k`, arrays one
 * item `0`): what a client may get wrong about the body's shape.
 */
export function requestBodyFields(operation: SpecOperation, maxDepth = 6): BodyField[] {
  loaded ??= load();
  const raw = loaded.raw;
  const fields: BodyField[] = [];
  const resolve = (schema: Schema, seen: string[]): { schema: Schema; seen: string[] } | undefined => {
    const ref = schema.$ref as string | undefined;
    if (!ref) return { schema, seen };
    const name = ref.replace('#/definitions/', '');
    if (seen.includes(name)) return undefined;
    return resolve(raw[name], [...seen, name]);
  };
  const walk = (input: Schema, path: string[], seen: string[], mapValue: boolean): void => {
    const found = resolve(input, seen);
    if (!found) return;
    const { schema } = found;
    const parts = (schema.allOf as Schema[] | undefined) ?? [];
    // `allOf: [$ref]` beside a description is the referenced schema itself (e.g. Mount.Type, a string).
    if (parts.length === 1 && !schema.properties) {
      walk(parts[0], path, found.seen, mapValue);
      return;
    }
    const properties: Record<string, Schema> = { ...(schema.properties as Record<string, Schema>) };
    for (const part of parts) {
      const resolved = resolve(part, found.seen);
      Object.assign(properties, resolved?.schema.properties ?? {});
    }
    const type = (schema.type as BodyField['type'] | undefined) ?? (parts.length > 0 ? 'object' : undefined);
    if (path.length > 0 && type) {
      const items = schema.items ? resolve(schema.items as Schema, found.seen)?.schema.type : undefined;
      fields.push({
        path,
        type,
        ...(typeof items === 'string' ? { items } : {}),
        ...(mapValue ? { mapValue } : {}),
      });
    }
    if (path.length >= maxDepth) return;
    if (type === 'array' && schema.items) walk(schema.items as Schema, [...path, '0'], found.seen, false);
    if (type !== 'object') return;
    for (const [name, child] of Object.entries(properties)) walk(child, [...path, name], found.seen, false);
    const values = schema.additionalProperties;
    if (values && typeof values === 'object' && Object.keys(properties).length === 0) {
      walk(values as Schema, [...path, 'k'], found.seen, true);
    }
  };
  if (operation.body) walk(operation.body, [], [], false);
  return fields;
}
