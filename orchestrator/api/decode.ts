/**
 * Request bodies decoded the way Docker's Go daemon decodes them (encoding/json into its API types): a value
 * of the wrong JSON type anywhere is refused with Go's message, before anything looks at the request; `null`
 * leaves a field unset and unknown fields are ignored. The shapes come from the API definition
 * (`request-shapes.ts`, generated).
 */
import { badRequest } from './errors.js';
import { type RequestBody, requestBodies, structs } from './request-shapes.js';

/** What a JSON value must look like: a Go scalar type, a struct (inline or named), a list or a map. */
export type Shape =
  | 'string'
  | 'bool'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'float64'
  | 'any'
  | { ref: string }
  | { struct: string; fields: Record<string, Shape> }
  | { list: Shape }
  | { map: Shape };

const integerBits: Partial<Record<Shape & string, [number, boolean]>> = {
  int8: [8, true],
  int16: [16, true],
  int32: [32, true],
  int64: [64, true],
  uint8: [8, false],
  uint16: [16, false],
  uint32: [32, false],
  uint64: [64, false],
};

function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  return typeof value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function goTypeOf(shape: Shape): string {
  if (typeof shape === 'string') return shape === 'any' ? 'interface {}' : shape;
  if ('ref' in shape) return shape.ref;
  if ('struct' in shape) return shape.struct;
  if ('list' in shape) return `[]${goTypeOf(shape.list)}`;
  return `map[string]${goTypeOf(shape.map)}`;
}

/** Where a value sits, as Go's UnmarshalTypeError names it: the innermost struct and the path from the root. */
interface Place {
  struct: string;
  path: string[];
  rootType: string;
}

function fail(place: Place, kind: string, shape: Shape): never {
  const into =
    place.path.length === 0
      ? `Go value of type ${place.rootType}`
      : `Go struct field ${place.struct}.${place.path.join('.')} of type ${goTypeOf(shape)}`;
  throw badRequest(`json: cannot unmarshal ${kind} into ${into}`);
}

function checkNumber(value: number, shape: Shape & string, place: Place): void {
  const bits = integerBits[shape];
  if (!bits) return;
  const [size, signed] = bits;
  const max = signed ? 2 ** (size - 1) - 1 : 2 ** size - 1;
  const min = signed ? -(2 ** (size - 1)) : 0;
  if (!Number.isInteger(value) || value > max || value < min) fail(place, `number ${value}`, shape);
}

function decodeStruct(
  value: unknown,
  name: string,
  fields: Record<string, Shape>,
  shape: Shape,
  place: Place,
): void {
  if (!isObject(value)) fail(place, jsonKind(value), shape);
  const byLowerCase = new Map(Object.keys(fields).map((field) => [field.toLowerCase(), field]));
  for (const [key, child] of Object.entries(value)) {
    // Go matches keys to fields case-insensitively, preferring an exact match.
    const field = key in fields ? key : byLowerCase.get(key.toLowerCase());
    if (field === undefined) continue;
    check(child, fields[field], { ...place, struct: name, path: [...place.path, field] });
  }
}

function check(value: unknown, shape: Shape, place: Place): void {
  if (value === null || value === undefined || shape === 'any') return;
  if (typeof shape === 'string') {
    if (shape === 'string') {
      if (typeof value !== 'string') fail(place, jsonKind(value), shape);
    } else if (shape === 'bool') {
      if (typeof value !== 'boolean') fail(place, jsonKind(value), shape);
    } else if (typeof value !== 'number') fail(place, jsonKind(value), shape);
    else checkNumber(value, shape, place);
    return;
  }
  if ('ref' in shape) {
    decodeStruct(value, shape.ref, structs[shape.ref] ?? {}, shape, place);
  } else if ('struct' in shape) {
    decodeStruct(value, shape.struct, shape.fields, shape, place);
  } else if ('list' in shape) {
    if (!Array.isArray(value)) fail(place, jsonKind(value), shape);
    for (const item of value) check(item, shape.list, place);
  } else {
    if (!isObject(value)) fail(place, jsonKind(value), shape);
    for (const item of Object.values(value)) check(item, shape.map, place);
  }
}

/**
 * Checks a parsed request body against what Docker decodes it into; throws a 400 ApiError with Go's message
 * at the first value of the wrong type. An absent body decodes as an empty object, as with Docker.
 */
export function decodeBody(body: unknown, name: RequestBody): Record<string, unknown> {
  const { goType, shape } = requestBodies[name];
  if (body === undefined || body === null) return {};
  check(body, shape, { struct: goType.split('.').pop() ?? goType, path: [], rootType: goType });
  return body as Record<string, unknown>;
}
