// TypeScript types, default values and "is this the default?" tests for fields, as Kafka's
// Java generator defines them: numbers 0, bools false, strings "", bytes and arrays empty,
// records null, UUIDs all zero, structs with every field at its default; or the field's
// explicit "default" where the definition gives one.

import type { Field, FieldType, Struct } from "./schema.ts";
import { covers, format } from "./versions.ts";

export const zeroUuid = "00000000000000000000000000000000";

export function baseType(type: FieldType): string {
  if (type.kind === "array") return `${baseType(type.item)}[]`;
  if (type.kind === "struct") return type.struct.typeName;
  switch (type.primitive) {
    case "bool":
      return "boolean";
    case "string":
    case "uuid":
      return "string";
    case "bytes":
    case "records":
      return "Uint8Array";
    default:
      return "number";
  }
}

/** Records are raw batch bytes that are null when absent, so their type always admits null. */
export function isNullableType(field: Field): boolean {
  return field.nullableVersions !== null || (field.type.kind === "primitive" && field.type.primitive === "records");
}

export function fieldType(field: Field): string {
  return isNullableType(field) ? `${baseType(field.type)} | null` : baseType(field.type);
}

/** Required in the interface iff present in every version of its struct, never null, never tagged, no default. */
export function isRequired(field: Field, struct: Struct): boolean {
  return (
    covers(field.versions, struct.range) &&
    !isNullableType(field) &&
    field.taggedVersions === null &&
    field.explicitDefault === undefined
  );
}

function fail(field: Field, problem: string): never {
  throw new Error(`Field "${field.name}" (${field.typeName}): ${problem}`);
}

/** The default value as a TS expression; a fresh value each time it is evaluated. */
export function defaultValue(field: Field): string {
  const explicit = field.explicitDefault;
  if (explicit === "null") {
    if (!isNullableType(field)) fail(field, "default is null but the field is never nullable");
    return "null";
  }
  const type = field.type;
  if (type.kind === "array") {
    if (explicit !== undefined) fail(field, `arrays take no default, got "${explicit}"`);
    return "[]";
  }
  if (type.kind === "struct") {
    if (explicit !== undefined) fail(field, `structs take no default, got "${explicit}"`);
    return `default${type.struct.typeName}()`;
  }
  switch (type.primitive) {
    case "bool":
      return explicit === true || explicit === "true" ? "true" : "false";
    case "string":
      return JSON.stringify(explicit === undefined ? "" : String(explicit));
    case "uuid":
    case "bytes":
    case "records":
      if (explicit !== undefined) fail(field, `no default supported, got "${explicit}"`);
      return type.primitive === "uuid" ? JSON.stringify(zeroUuid) : type.primitive === "bytes" ? "emptyBytes" : "null";
    default: {
      const value = explicit === undefined ? 0 : Number(explicit);
      if (!Number.isFinite(value)) fail(field, `default "${explicit}" is not a number`);
      return String(value);
    }
  }
}

/** A boolean TS expression: does `value` (never undefined) equal the field's default? */
export function isDefaultTest(field: Field, value: string): string {
  const fallback = defaultValue(field);
  if (fallback === "null") return `${value} === null`;
  const nullable = isNullableType(field);
  const type = field.type;
  if (type.kind === "array" || (type.kind === "primitive" && type.primitive === "bytes")) {
    return nullable ? `(${value} !== null && ${value}.length === 0)` : `${value}.length === 0`;
  }
  if (type.kind === "struct") {
    const test = `is${type.struct.typeName}Default(${value})`;
    return nullable ? `(${value} !== null && ${test})` : test;
  }
  return `${value} === ${fallback}`;
}

/** A short note on a field's wire type and versions for the interface's doc comment. */
export function describeField(field: Field): string {
  const parts = [field.typeName, `versions ${format(field.versions)}`];
  if (field.nullableVersions !== null) parts.push(`nullable ${format(field.nullableVersions)}`);
  if (field.taggedVersions !== null) parts.push(`tag ${field.tag} in ${format(field.taggedVersions)}`);
  if (field.explicitDefault !== undefined) parts.push(`default ${JSON.stringify(field.explicitDefault)}`);
  if (field.ignorable) parts.push("ignorable");
  return parts.join(", ");
}
