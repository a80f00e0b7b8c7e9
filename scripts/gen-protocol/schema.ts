// Reads Kafka's JSON message definitions and resolves them into a model the emitter walks:
// every struct gets its project-unique TypeScript name and the versions in which it can occur.

import { readFileSync } from "node:fs";
import path from "node:path";
import { type Versions, covers, hull, intersect, parseVersions } from "./versions.ts";

/** A field as written in the definition files (the `about` text is never read into the model). */
export interface FieldDefinition {
  name: string;
  type: string;
  versions?: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number;
  default?: string | number | boolean;
  ignorable?: boolean;
  flexibleVersions?: string;
  fields?: FieldDefinition[];
}

export interface StructDefinition {
  name: string;
  versions?: string;
  fields: FieldDefinition[];
}

export interface MessageDefinition {
  apiKey?: number;
  type: string;
  name: string;
  validVersions: string;
  flexibleVersions: string;
  latestVersionUnstable?: boolean;
  fields: FieldDefinition[];
  commonStructs?: StructDefinition[];
}

export const primitiveKinds = [
  "int8", "int16", "int32", "int64", "uint16", "float64", "bool", "string", "bytes", "records", "uuid",
] as const;
export type PrimitiveKind = (typeof primitiveKinds)[number];

export type FieldType =
  | { readonly kind: "primitive"; readonly primitive: PrimitiveKind }
  | { readonly kind: "struct"; readonly struct: Struct }
  | { readonly kind: "array"; readonly item: FieldType };

export interface Field {
  readonly name: string;
  readonly property: string;
  readonly typeName: string;
  readonly type: FieldType;
  readonly versions: Versions;
  readonly nullableVersions: Versions;
  readonly taggedVersions: Versions;
  readonly tag: number | undefined;
  readonly ignorable: boolean;
  readonly explicitDefault: string | number | boolean | undefined;
  /** A per-field override of the message's flexible versions (RequestHeader's ClientId uses "none"). */
  readonly flexibleVersions: Versions | undefined;
}

export interface Struct {
  /** Project-unique TypeScript name: the message name, then the definition's struct name. */
  readonly typeName: string;
  readonly fields: Field[];
  /** Hull of the versions in which this struct can appear on the wire. */
  range: Versions;
}

export interface Message {
  readonly name: string;
  /** -1 for a data definition (a record format of Kafka's internal topics, files or snapshots). */
  readonly apiKey: number;
  readonly kind: "request" | "response" | "data";
  readonly validVersions: Versions;
  readonly flexibleVersions: Versions;
  readonly latestVersionUnstable: boolean;
  readonly root: Struct;
  /** Every struct of the message, root first, in definition order. */
  readonly structs: Struct[];
}

/** Definition files carry `//` comment lines, which JSON does not allow. */
export function readDefinition(folder: string, name: string): MessageDefinition {
  const text = readFileSync(path.join(folder, `${name}.json`), "utf8");
  const json = text
    .split("\n")
    .filter((line) => !line.trimStart().startsWith("//"))
    .join("\n");
  return JSON.parse(json) as MessageDefinition;
}

export function camelCase(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** Only the facts the model is built from: no `about` texts, entity types, listeners or map keys. */
export function factsOf(definition: MessageDefinition): MessageDefinition {
  const facts: MessageDefinition = {
    apiKey: definition.apiKey,
    type: definition.type,
    name: definition.name,
    validVersions: definition.validVersions,
    flexibleVersions: definition.flexibleVersions,
    ...(definition.latestVersionUnstable === undefined ? {} : { latestVersionUnstable: definition.latestVersionUnstable }),
    fields: definition.fields.map(fieldFacts),
  };
  if (definition.commonStructs) {
    facts.commonStructs = definition.commonStructs.map((struct) => ({
      name: struct.name,
      ...(struct.versions === undefined ? {} : { versions: struct.versions }),
      fields: struct.fields.map(fieldFacts),
    }));
  }
  return facts;
}

const fieldFactKeys = ["name", "type", "versions", "nullableVersions", "taggedVersions", "tag", "default", "ignorable", "flexibleVersions"] as const;

function fieldFacts(field: FieldDefinition): FieldDefinition {
  const facts: Record<string, unknown> = {};
  for (const key of fieldFactKeys) if (field[key] !== undefined) facts[key] = field[key];
  if (field.fields) facts.fields = field.fields.map(fieldFacts);
  return facts as unknown as FieldDefinition;
}

export function resolveMessage(definition: MessageDefinition): Message {
  const name = definition.name;
  if (definition.apiKey === undefined && definition.type !== "data") throw new Error(`Definition "${name}" has no apiKey`);
  const resolver = new StructResolver(definition);
  const validVersions = parseVersions(definition.validVersions);
  const root: Struct = { typeName: definition.name, fields: [], range: validVersions };
  resolver.structs.push(root);
  root.fields.push(...definition.fields.map((field) => resolver.field(field)));
  resolver.assignRanges(root, validVersions);
  return {
    name: definition.name,
    apiKey: definition.apiKey ?? -1,
    kind: definition.type === "request" ? "request" : definition.type === "data" ? "data" : "response",
    validVersions,
    flexibleVersions: parseVersions(definition.flexibleVersions),
    latestVersionUnstable: definition.latestVersionUnstable === true,
    root,
    structs: resolver.structs,
  };
}

class StructResolver {
  readonly structs: Struct[] = [];
  readonly #messageName: string;
  readonly #byName = new Map<string, Struct>();
  readonly #common = new Map<string, StructDefinition>();

  constructor(definition: MessageDefinition) {
    this.#messageName = definition.name;
    for (const common of definition.commonStructs ?? []) this.#common.set(common.name, common);
  }

  field(definition: FieldDefinition): Field {
    // A tagged field may give only its tagged versions, which are then its versions (as in Kafka's generator).
    const versions = parseVersions(definition.versions ?? definition.taggedVersions);
    if (versions === null && definition.versions !== "none") {
      throw new Error(`Field "${definition.name}" of "${this.#messageName}" has no versions`);
    }
    return {
      name: definition.name,
      property: camelCase(definition.name),
      typeName: definition.type,
      type: this.#type(definition.type, definition),
      versions,
      nullableVersions: intersect(parseVersions(definition.nullableVersions), versions),
      taggedVersions: intersect(parseVersions(definition.taggedVersions), versions),
      tag: definition.tag,
      ignorable: definition.ignorable === true,
      // A JSON null default (a nullable struct's) reads as the "null" that string defaults use.
      explicitDefault: definition.default === null ? "null" : definition.default,
      flexibleVersions: definition.flexibleVersions === undefined ? undefined : parseVersions(definition.flexibleVersions),
    };
  }

  #type(typeName: string, definition: FieldDefinition): FieldType {
    if (typeName.startsWith("[]")) return { kind: "array", item: this.#type(typeName.slice(2), definition) };
    if ((primitiveKinds as readonly string[]).includes(typeName)) {
      return { kind: "primitive", primitive: typeName as PrimitiveKind };
    }
    return { kind: "struct", struct: this.#struct(typeName, definition) };
  }

  #struct(structName: string, definition: FieldDefinition): Struct {
    const known = this.#byName.get(structName);
    if (known && definition.fields) {
      throw new Error(`Struct "${structName}" of "${this.#messageName}" is defined twice`);
    }
    if (known) return known;
    const fields = definition.fields ?? this.#common.get(structName)?.fields;
    if (!fields) throw new Error(`Struct "${structName}" of "${this.#messageName}" has no definition`);
    const struct: Struct = { typeName: `${this.#messageName}${structName}`, fields: [], range: null };
    this.#byName.set(structName, struct);
    this.structs.push(struct);
    struct.fields.push(...fields.map((field) => this.field(field)));
    return struct;
  }

  /** Widens each struct's range by the versions of every field that holds it. */
  assignRanges(struct: Struct, range: Versions): void {
    for (const field of struct.fields) {
      const inner = intersect(field.versions, range);
      const child = structOf(field.type);
      if (child === null || inner === null || covers(child.range, inner)) continue;
      child.range = hull(child.range, inner);
      this.assignRanges(child, child.range);
    }
  }
}

export function structOf(type: FieldType): Struct | null {
  if (type.kind === "struct") return type.struct;
  if (type.kind === "array") return structOf(type.item);
  return null;
}
