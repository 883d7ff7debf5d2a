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
function patchKnownGaps(definitions: Record<string, Schema>): void {
  // Docker answers rollback states in Service.UpdateStatus.State (swarmkit UpdateStatus_UpdateState), though
  // the v1.47 definition lists only updating/paused/completed.
  const service = definitions.Service as { properties: Record<string, Schema> };
  const state = (service.properties.UpdateStatus as { properties: Record<string, Schema> }).properties.State;
  state.enum = [
    'updating',
    'paused',
    'completed',
    'rollback_started',
    'rollback_paused',
    'rollback_completed',
  ];
}

/** Swagger 2.0 -> JSON Schema: `x-nullable` becomes a null type, vendor keys and examples go. */
function convert(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(convert);
  if (node === null || typeof node !== 'object') return node;
  const out: Schema = {};
  for (const [key, value] of Object.entries(node as Schema)) {
    if (key.startsWith('x-') || key === 'example' || key === 'format' || key === 'discriminator') continue;
    if (key === 'properties' || key === 'definitions' || key === 'patternProperties') {
      out[key] = Object.fromEntries(Object.entries(value as Schema).map(([k, v]) => [k, convert(v)]));
      continue;
    }
    out[key] = convert(value);
  }
  const nullable = (node as Schema)['x-nullable'] === true;
  if (nullable) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else if (out.$ref || out.allOf) return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}

let validators: Map<string, ValidateFunction> | undefined;

function load(): Map<string, ValidateFunction> {
  const spec = yaml.load(readFileSync(specPath, 'utf8')) as { definitions: Record<string, Schema> };
  patchKnownGaps(spec.definitions);
  const definitions = convert(spec.definitions) as Record<string, Schema>;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema({ $id: 'docker', definitions });
  const map = new Map<string, ValidateFunction>();
  for (const name of Object.keys(definitions)) {
    map.set(name, ajv.compile({ $ref: `docker#/definitions/${name}` }));
  }
  return map;
}

/** Throws (listing every violation) unless `value` matches the named definition, e.g. "Node" or "SystemInfo". */
export function assertMatchesDefinition(definition: string, value: unknown): void {
  validators ??= load();
  const validate = validators.get(definition);
  if (!validate) throw new Error(`no definition "${definition}" in swagger-v1.47.yaml`);
  if (!validate(value)) {
    const problems = (validate.errors ?? []).map((e) => `  ${e.instancePath || '/'} ${e.message}`).join('\n');
    throw new Error(`response does not match definition ${definition}:\n${problems}`);
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
