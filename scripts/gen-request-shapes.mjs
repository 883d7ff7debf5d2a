// Generates orchestrator/api/request-shapes.ts: the JSON shapes of the request bodies swarmd decodes, from the
// Docker Engine API definition (Swagger 2.0, v1.47), with the Go types Docker decodes them into.
// Run: node scripts/gen-request-shapes.mjs [path/to/swagger-v1.47.yaml]. The output is committed.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import yaml from 'js-yaml';

const source =
  process.argv[2] ?? new URL('../orchestrator/api/spec/swagger-v1.47.yaml', import.meta.url).pathname;
const swagger = yaml.load(readFileSync(source, 'utf8'));
const out = new URL('../orchestrator/api/request-shapes.ts', import.meta.url).pathname;

/** The bodies swarmd reads: name, where the definition describes it, and the Go type Docker decodes it into. */
const bodies = [
  ['ServiceSpec', 'post', '/services/create', 'swarm.ServiceSpec'],
  ['NodeSpec', 'post', '/nodes/{id}/update', 'swarm.NodeSpec'],
  ['SwarmSpec', 'post', '/swarm/update', 'swarm.Spec'],
  ['SecretSpec', 'post', '/secrets/create', 'swarm.SecretSpec'],
  ['NetworkCreateRequest', 'post', '/networks/create', 'network.CreateRequest'],
  ['ExecConfig', 'post', '/containers/{id}/exec', 'container.ExecOptions'],
  ['ExecStartConfig', 'post', '/exec/{id}/start', 'container.ExecStartOptions'],
  ['SwarmInitRequest', 'post', '/swarm/init', 'swarm.InitRequest'],
  ['SwarmJoinRequest', 'post', '/swarm/join', 'swarm.JoinRequest'],
  ['SwarmUnlockRequest', 'post', '/swarm/unlock', 'swarm.UnlockRequest'],
];

/** Go struct names of objects the definition writes inline, by property name, where they differ from it. */
const inlineStructNames = {
  Replicated: 'ReplicatedService',
  Global: 'GlobalService',
  LogDriver: 'Driver',
  Limits: 'Limit',
  Reservations: 'Resources',
  Resources: 'ResourceRequirements',
  File: 'SecretReferenceFileTarget',
  Privileges: 'Privileges',
};

/** Go integer types the definition leaves as plain integers, by `Struct.Field`. */
const unsignedFields = {
  'ReplicatedService.Replicas': 'uint64',
  'ReplicatedJob.MaxConcurrent': 'uint64',
  'ReplicatedJob.TotalCompletions': 'uint64',
  'UpdateConfig.Parallelism': 'uint64',
  'RollbackConfig.Parallelism': 'uint64',
  'RestartPolicy.MaxAttempts': 'uint64',
  'Placement.MaxReplicas': 'uint64',
  'EndpointPortConfig.TargetPort': 'uint32',
  'EndpointPortConfig.PublishedPort': 'uint32',
};

const structs = {};

function integerType(schema) {
  const format = schema.format ?? '';
  if (/^u?int(8|16|32|64)$/.test(format)) return format;
  return schema.minimum === 0 ? 'uint64' : 'int64';
}

/** A shape for a schema; `name` is the Go struct name an object there would have. */
function shapeOf(schema, name) {
  if (!schema) return "'any'";
  if (schema.$ref) {
    const ref = schema.$ref.split('/').pop();
    const definition = swagger.definitions[ref];
    // Only objects become named structs; other definitions (a list, a string) are written in place.
    if (definition.type !== 'object' && Object.keys(propertiesOf(definition)).length === 0) {
      return shapeOf(definition, ref);
    }
    defineStruct(ref, definition);
    return `{ ref: '${ref}' }`;
  }
  if (schema.allOf?.length === 1 && !schema.properties) return shapeOf(schema.allOf[0], name);
  if (schema.allOf) return inlineStruct(schema, name);
  switch (schema.type) {
    case 'string':
      return "'string'";
    case 'boolean':
      return "'bool'";
    case 'integer':
      return `'${integerType(schema)}'`;
    case 'number':
      return "'float64'";
    case 'array':
      return `{ list: ${shapeOf(schema.items, name)} }`;
    case 'object':
      if (schema.properties) return inlineStruct(schema, name);
      if (schema.additionalProperties && schema.additionalProperties !== true) {
        return `{ map: ${shapeOf(schema.additionalProperties, name)} }`;
      }
      return schema.additionalProperties ? "{ map: 'any' }" : `{ struct: '${name}', fields: {} }`;
    default:
      return "'any'";
  }
}

function propertiesOf(schema) {
  const properties = { ...(schema.properties ?? {}) };
  for (const part of schema.allOf ?? []) {
    const resolved = part.$ref ? swagger.definitions[part.$ref.split('/').pop()] : part;
    Object.assign(properties, propertiesOf(resolved));
  }
  return properties;
}

function fieldsOf(schema, structName) {
  const entries = Object.entries(propertiesOf(schema)).map(([field, prop]) => {
    const unsigned = unsignedFields[`${structName}.${field}`];
    const shape = unsigned ? `'${unsigned}'` : shapeOf(prop, inlineStructNames[field] ?? field);
    return `${JSON.stringify(field)}: ${shape}`;
  });
  return `{ ${entries.join(', ')} }`;
}

function inlineStruct(schema, name) {
  return `{ struct: '${name}', fields: ${fieldsOf(schema, name)} }`;
}

function defineStruct(name, schema) {
  if (name in structs) return;
  structs[name] = '';
  structs[name] = fieldsOf(schema, name);
}

const bodyLines = bodies.map(([name, method, path, goType]) => {
  const schema = swagger.paths[path][method].parameters.find((p) => p.in === 'body').schema;
  return `  ${name}: { goType: '${goType}', shape: ${shapeOf(schema, goType.split('.').pop())} },`;
});
const structLines = Object.entries(structs)
  .sort(([a], [b]) => a.localeCompare(b))
  .map(([name, fields]) => `  ${name}: ${fields},`);

const text = `// Generated by scripts/gen-request-shapes.mjs from the Docker Engine API v1.47 definition. Do not edit.
// The JSON shapes of the request bodies swarmd decodes, with the Go types Docker decodes them into.
/* biome-ignore-all lint: generated */
import type { Shape } from './decode.js';

/** Named structs (definitions), referenced as \`{ ref }\`. */
export const structs: Record<string, Record<string, Shape>> = {
${structLines.join('\n')}
};

/** Each request body: the Go type Docker decodes it into and its shape. */
export const requestBodies = {
${bodyLines.join('\n')}
} satisfies Record<string, { goType: string; shape: Shape }>;

export type RequestBody = keyof typeof requestBodies;
`;
writeFileSync(out, text);
execFileSync(new URL('../node_modules/.bin/biome', import.meta.url).pathname, ['format', '--write', out], {
  stdio: 'ignore',
});
console.log(`wrote ${out}: ${bodyLines.length} bodies, ${structLines.length} structs`);
