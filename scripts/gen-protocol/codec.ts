// Emits the decode/encode functions of one struct: plain straight-line code with version
// conditionals folded at generation time wherever the struct's version range allows.

import type { Field, FieldType, Message, Struct } from "./schema.ts";
import { defaultValue, fieldType, isDefaultTest, isNullableType, isRequired } from "./types.ts";
import {
  type Condition,
  type Versions,
  and,
  choose,
  condition,
  format,
  intersect,
  not,
  subtract,
} from "./versions.ts";

/** Identifiers the generated functions use for themselves, which a field's local must avoid. */
const reservedNames = new Set([
  "reader", "writer", "version", "value", "flexible", "tagged", "tag", "field", "fieldWriter", "item", "items",
  "length", "i", "default", "delete", "new", "function", "class", "const", "let", "var", "in", "of", "do",
  "if", "for", "while", "switch", "case", "return", "this", "null", "true", "false", "void", "typeof",
]);

function localName(field: Field): string {
  return reservedNames.has(field.property) ? `${field.property}Field` : field.property;
}

/** What the emitted code needs from outside the struct functions. */
export interface Needs {
  decodeError: boolean;
  writerValue: boolean;
  emptyBytes: boolean;
  /** Structs that need a `default<Name>()` builder. */
  defaults: Set<Struct>;
  /** Structs that need an `is<Name>Default()` test. */
  defaultTests: Set<Struct>;
}

interface Site {
  /** Is the version flexible (compact encodings)? */
  flexible: Condition;
  /** Is null allowed at this version? */
  nullable: Condition;
  /** Field label for error messages. */
  label: string;
}

export class StructCodec {
  readonly #message: Message;
  readonly #struct: Struct;
  readonly #needs: Needs;
  readonly #flexible: Condition;

  constructor(message: Message, struct: Struct, needs: Needs) {
    this.#message = message;
    this.#struct = struct;
    this.#needs = needs;
    this.#flexible = condition(message.flexibleVersions, struct.range);
  }

  /** The versions within the struct's range where the field sits inline (not in the tagged section). */
  #inlineVersions(field: Field): Versions {
    return intersect(subtract(field.versions, field.taggedVersions), this.#struct.range);
  }

  #site(field: Field, versions: Versions): Site {
    const context = intersect(versions, this.#struct.range);
    const flexibleVersions = field.flexibleVersions ?? this.#message.flexibleVersions;
    let flexible = condition(flexibleVersions, context);
    if (typeof flexible === "string" && field.flexibleVersions === undefined) flexible = "flexible";
    return {
      flexible,
      nullable: condition(field.nullableVersions, context),
      label: `"${field.property}" of ${this.#struct.typeName}`,
    };
  }

  /** The versions in which the struct's tagged-field section exists. */
  #flexibleRange(): Versions {
    return intersect(this.#message.flexibleVersions, this.#struct.range);
  }

  #taggedFields(): Field[] {
    return this.#struct.fields
      .filter((field) => intersect(field.taggedVersions, this.#struct.range) !== null)
      .sort((a, b) => (a.tag ?? 0) - (b.tag ?? 0));
  }

  #flexibleLine(): string[] {
    return typeof this.#flexible === "string" ? [`  const flexible = ${this.#flexible};`] : [];
  }

  #versionCheck(): string[] {
    const range = this.#message.validVersions;
    if (this.#struct !== this.#message.root || range === null) return [];
    const name = this.#message.name;
    return [
      `  if (version < ${range.min} || version > ${range.max}) {`,
      `    throw new KafkaProtocolError(ErrorCode.UNSUPPORTED_VERSION, \`${name} version "\${version}" is not supported: valid versions are ${format(range)}\`);`,
      "  }",
    ];
  }

  decoder(exported: boolean): string[] {
    const struct = this.#struct;
    const lines = [
      `${exported ? "export " : ""}function decode${struct.typeName}(reader: Reader, version: number): ${struct.typeName} {`,
      ...this.#versionCheck(),
      ...this.#flexibleLine(),
    ];
    for (const field of struct.fields) lines.push(...this.#decodeField(field).map((line) => `  ${line}`));
    lines.push(...this.#decodeTagged().map((line) => `  ${line}`));
    const properties = struct.fields.map((field) =>
      localName(field) === field.property ? field.property : `${field.property}: ${localName(field)}`,
    );
    lines.push(`  return { ${properties.join(", ")} };`, "}");
    return lines;
  }

  #decodeField(field: Field): string[] {
    const local = localName(field);
    const inline = this.#inlineVersions(field);
    const inlineTest = condition(inline, this.#struct.range);
    const site = this.#site(field, inline);
    if (inlineTest === true) {
      const simple = this.#readExpression(field.type, site, "reader");
      if (simple !== null) return [`const ${local} = ${simple};`];
      return [`let ${local}: ${fieldType(field)};`, ...block(this.#readInto(field.type, site, "reader", local))];
    }
    this.#noteDefault(field);
    const lines = [`let ${local}: ${fieldType(field)} = ${defaultValue(field)};`];
    if (inlineTest === false) return lines;
    return [...lines, `if (${inlineTest}) {`, ...indent(this.#readInto(field.type, site, "reader", local)), "}"];
  }

  #decodeTagged(): string[] {
    const tagged = this.#taggedFields();
    if (this.#flexible === false) return [];
    const open = typeof this.#flexible === "string" ? "if (flexible) " : "";
    if (tagged.length === 0) return [`${open}reader.readTaggedFields();`];
    const cases: string[] = [];
    for (const field of tagged) {
      const versions = intersect(field.taggedVersions, this.#struct.range);
      const test = condition(versions, this.#flexibleRange());
      const read = this.#readInto(field.type, this.#site(field, versions), "field", localName(field));
      cases.push(`case ${field.tag}:`);
      cases.push(...indent(test === true ? block(read) : [`if (${test}) {`, ...indent(read), "}"]));
      cases.push("  break;");
    }
    return [
      `${open}{`,
      "  reader.readTaggedFields((tag, field) => {",
      "    switch (tag) {",
      ...cases.map((line) => `      ${line}`),
      "    }",
      "  });",
      "}",
    ];
  }

  /** A single expression reading the type, or null when it takes statements. */
  #readExpression(type: FieldType, site: Site, reader: string): string | null {
    if (type.kind === "struct" && site.nullable === false) return `decode${type.struct.typeName}(${reader}, version)`;
    if (type.kind !== "primitive") return null;
    const { flexible, nullable } = site;
    switch (type.primitive) {
      case "int8":
        return `${reader}.readInt8()`;
      case "int16":
        return `${reader}.readInt16()`;
      case "int32":
        return `${reader}.readInt32()`;
      case "int64":
        return `${reader}.readInt64()`;
      case "uint16":
        return `${reader}.readUint16()`;
      case "float64":
        return `${reader}.readFloat64()`;
      case "bool":
        return `${reader}.readBoolean()`;
      case "uuid":
        return `${reader}.readUuid()`;
      case "string":
        return choose(
          flexible,
          parenthesize(choose(nullable, `${reader}.readCompactNullableString()`, `${reader}.readCompactString()`)),
          parenthesize(choose(nullable, `${reader}.readNullableString()`, `${reader}.readString()`)),
        );
      case "bytes":
      case "records":
        return choose(
          flexible,
          parenthesize(choose(nullable, `${reader}.readCompactNullableBytes()`, `${reader}.readCompactBytes()`)),
          parenthesize(choose(nullable, `${reader}.readNullableBytes()`, `${reader}.readBytes()`)),
        );
    }
  }

  /** Statements that read the type and assign it to `target`. */
  #readInto(type: FieldType, site: Site, reader: string, target: string): string[] {
    const simple = this.#readExpression(type, site, reader);
    if (simple !== null) return [`${target} = ${simple};`];
    if (type.kind === "struct") {
      return [
        `if (${reader}.readInt8() < 0) {`,
        ...indent(this.#nullOrThrow(site, target)),
        "} else {",
        `  ${target} = decode${type.struct.typeName}(${reader}, version);`,
        "}",
      ];
    }
    if (type.kind !== "array") throw new Error(`Unexpected type for ${site.label}`);
    const item = this.#readExpression(type.item, { ...site, nullable: false }, reader);
    if (item === null) throw new Error(`Arrays of arrays are not supported: ${site.label}`);
    const length = choose(site.flexible, `${reader}.readCompactArrayLength()`, `${reader}.readArrayLength()`);
    const onNull = this.#nullOrThrow(site, target);
    const fill = [
      `const items: ${baseTypeOfItems(type)} = [];`,
      `for (let i = 0; i < length; i++) items.push(${item});`,
      `${target} = items;`,
    ];
    const head = [`const length = ${length};`];
    if (onNull.length === 1 && onNull[0]!.startsWith("throw")) {
      return [...head, `if (length < 0) ${onNull[0]}`, ...fill];
    }
    return [...head, "if (length < 0) {", ...indent(onNull), "} else {", ...indent(fill), "}"];
  }

  #nullOrThrow(site: Site, target: string): string[] {
    this.#needs.decodeError = true;
    const error = `throw new ProtocolDecodeError(\`Null ${site.label} is not allowed in version \${version}\`);`;
    if (site.nullable === true) return [`${target} = null;`];
    if (site.nullable === false) return [error];
    return [`if (${not(site.nullable)}) ${error}`, `${target} = null;`];
  }

  #noteDefaultTest(field: Field): void {
    if (field.type.kind === "struct") this.#needs.defaultTests.add(field.type.struct);
  }

  #noteDefault(field: Field): void {
    const type = field.type;
    if (type.kind === "struct") this.#needs.defaults.add(type.struct);
    if (type.kind === "primitive" && type.primitive === "bytes" && defaultValue(field) === "emptyBytes") {
      this.#needs.emptyBytes = true;
    }
  }

  encoder(exported: boolean): string[] {
    const struct = this.#struct;
    const lines = [
      `${exported ? "export " : ""}function encode${struct.typeName}(writer: Writer, version: number, value: ${struct.typeName}): void {`,
      ...this.#versionCheck(),
      ...this.#flexibleLine(),
    ];
    for (const field of struct.fields) lines.push(...this.#encodeField(field).map((line) => `  ${line}`));
    lines.push(...this.#encodeTagged().map((line) => `  ${line}`));
    lines.push("}");
    return lines;
  }

  /** The field's value with its default substituted when the caller left it out. */
  #valueOf(field: Field): string {
    const access = `value.${field.property}`;
    if (isRequired(field, this.#struct)) return access;
    this.#noteDefault(field);
    const fallback = defaultValue(field);
    if (isNullableType(field) && fallback !== "null") return `(${access} === undefined ? ${fallback} : ${access})`;
    return `(${access} ?? ${fallback})`;
  }

  #encodeField(field: Field): string[] {
    const inline = this.#inlineVersions(field);
    const inlineTest = condition(inline, this.#struct.range);
    const lines: string[] = [];
    if (inlineTest !== false) {
      const write = this.#writeField(field, this.#site(field, inline), "writer");
      lines.push(...(inlineTest === true ? write : [`if (${inlineTest}) {`, ...indent(write), "}"]));
    }
    const absentTest = not(condition(field.versions, this.#struct.range));
    if (absentTest !== false && !field.ignorable) {
      this.#noteDefaultTest(field);
      const access = `value.${field.property}`;
      const complement = typeof inlineTest === "string" && field.taggedVersions === null;
      const test = `${access} !== undefined && ${negate(isDefaultTest(field, access))}`;
      if (complement) lines.pop();
      lines.push(
        `${complement ? "} else if" : "if"} (${complement ? test : and(absentTest, test)}) {`,
        `  throw new KafkaProtocolError(ErrorCode.UNSUPPORTED_VERSION, \`Cannot encode ${this.#site(field, inline).label}` +
          ` at version \${version}: it needs version ${format(field.versions)}\`);`,
        "}",
      );
    }
    return lines;
  }

  /** Statements writing one field's value (defaults substituted) with `writer`. */
  #writeField(field: Field, site: Site, writer: string): string[] {
    const value = this.#valueOf(field);
    const simple = this.#writeSimple(field.type, site, writer, value);
    if (simple !== null && !isNullableType(field)) return [`${simple};`];
    const local = localName(field);
    return [`const ${local} = ${unwrap(value)};`, ...this.#writeInto(field.type, site, writer, local, isNullableType(field))];
  }

  /** A single statement writing a non-null value, or null when the type takes more. */
  #writeSimple(type: FieldType, site: Site, writer: string, value: string): string | null {
    if (type.kind === "struct") return `encode${type.struct.typeName}(${writer}, version, ${unwrap(value)})`;
    if (type.kind !== "primitive") return null;
    const flexible = site.flexible;
    switch (type.primitive) {
      case "int8":
        return `${writer}.writeInt8(${unwrap(value)})`;
      case "int16":
        return `${writer}.writeInt16(${unwrap(value)})`;
      case "int32":
        return `${writer}.writeInt32(${unwrap(value)})`;
      case "int64":
        return `${writer}.writeInt64(${unwrap(value)})`;
      case "uint16":
        return `${writer}.writeUint16(${unwrap(value)})`;
      case "float64":
        return `${writer}.writeFloat64(${unwrap(value)})`;
      case "bool":
        return `${writer}.writeBoolean(${unwrap(value)})`;
      case "uuid":
        return `${writer}.writeUuid(${unwrap(value)})`;
      case "string":
        return choose(flexible, `${writer}.writeCompactString(${unwrap(value)})`, `${writer}.writeString(${unwrap(value)})`);
      case "bytes":
      case "records":
        return choose(flexible, `${writer}.writeCompactBytes(${unwrap(value)})`, `${writer}.writeBytes(${unwrap(value)})`);
    }
  }

  /** Statements writing `local`, which may be null when `nullableType`. */
  #writeInto(type: FieldType, site: Site, writer: string, local: string, nullableType: boolean): string[] {
    const guard = this.#nullGuard(site, local, nullableType);
    if (type.kind === "primitive") {
      const simple = this.#writeSimple(type, site, writer, local)!;
      if (!nullableType) return [`${simple};`];
      const nullable = type.primitive === "string" ? "NullableString" : "NullableBytes";
      return [
        ...guard,
        `${choose(site.flexible, `${writer}.writeCompact${nullable}(${local})`, `${writer}.write${nullable}(${local})`)};`,
      ];
    }
    if (type.kind === "struct") {
      const write = `encode${type.struct.typeName}(${writer}, version, ${local});`;
      if (!nullableType) return [write];
      return [...guard, `if (${local} === null) {`, `  ${writer}.writeInt8(-1);`, "} else {", `  ${writer}.writeInt8(1);`, `  ${write}`, "}"];
    }
    const item = this.#writeSimple(type.item, { ...site, nullable: false }, writer, "item");
    if (item === null) throw new Error(`Arrays of arrays are not supported: ${site.label}`);
    const lengthOf = (length: string) =>
      `${choose(site.flexible, `${writer}.writeCompactArrayLength(${length})`, `${writer}.writeArrayLength(${length})`)};`;
    const body = [lengthOf(`${local}.length`), `for (const item of ${local}) ${item};`];
    if (!nullableType) return body;
    return [...guard, `if (${local} === null) {`, `  ${lengthOf("null")}`, "} else {", ...indent(body), "}"];
  }

  /** Rejects null where the version does not allow it (the TS type allows it for other versions). */
  #nullGuard(site: Site, local: string, nullableType: boolean): string[] {
    if (!nullableType || site.nullable === true) return [];
    return [
      `if (${and(`${local} === null`, not(site.nullable))}) {`,
      `  throw new KafkaProtocolError(ErrorCode.UNSUPPORTED_VERSION, \`Cannot encode null ${site.label} at version \${version}\`);`,
      "}",
    ];
  }

  #encodeTagged(): string[] {
    if (this.#flexible === false) return [];
    const tagged = this.#taggedFields();
    const open = typeof this.#flexible === "string" ? "if (flexible) " : "";
    if (tagged.length === 0) return [`${open}writer.writeUnsignedVarint(0);`];
    this.#needs.writerValue = true;
    const lines = ["const tagged: Array<readonly [number, Uint8Array]> = [];"];
    for (const field of tagged) {
      this.#noteDefaultTest(field);
      const versions = intersect(field.taggedVersions, this.#struct.range);
      const test = condition(versions, this.#flexibleRange());
      const local = localName(field);
      const site = { ...this.#site(field, versions), flexible: true };
      const body = [
        `const ${local} = value.${field.property};`,
        `if (${local} !== undefined && ${negate(isDefaultTest(field, local))}) {`,
        "  const fieldWriter = new Writer(64);",
        ...indent(this.#writeInto(field.type, site, "fieldWriter", local, isNullableType(field))),
        `  tagged.push([${field.tag}, fieldWriter.finish()]);`,
        "}",
      ];
      lines.push(...(test === true ? ["{", ...indent(body), "}"] : [`if (${test}) {`, ...indent(body), "}"]));
    }
    lines.push("writer.writeTaggedFields(tagged);");
    return [`${open}{`, ...indent(lines), "}"];
  }
}

function baseTypeOfItems(type: FieldType): string {
  if (type.kind !== "array") throw new Error("Expected an array type");
  const item = type.item;
  if (item.kind === "struct") return `${item.struct.typeName}[]`;
  if (item.kind === "primitive") {
    if (item.primitive === "string" || item.primitive === "uuid") return "string[]";
    if (item.primitive === "bool") return "boolean[]";
    if (item.primitive === "bytes" || item.primitive === "records") return "Uint8Array[]";
    return "number[]";
  }
  throw new Error("Arrays of arrays are not supported");
}

function indent(lines: string[], depth = 1): string[] {
  const pad = "  ".repeat(depth);
  return lines.map((line) => pad + line);
}

/** Scopes statements that declare locals (an array's length and items) so they cannot clash. */
function block(lines: string[]): string[] {
  return lines.some((line) => line.startsWith("const ")) ? ["{", ...indent(lines), "}"] : lines;
}

function parenthesize(expression: string): string {
  return expression.includes(" ? ") ? `(${expression})` : expression;
}

/** The logical negation of a default test, kept readable for the common single comparison. */
function negate(test: string): string {
  if (/^[\w.]+ === [^&|]+$/.test(test)) return test.replace(" === ", " !== ");
  if (/^[\w.]+\([\w.]*\)$/.test(test) || test.startsWith("(")) return `!${test}`;
  return `!(${test})`;
}

/** Drops one pair of outer parentheses the emitter added, where an argument position makes them redundant. */
function unwrap(expression: string): string {
  return expression.startsWith("(") && expression.endsWith(")") && balanced(expression.slice(1, -1))
    ? expression.slice(1, -1)
    : expression;
}

function balanced(expression: string): boolean {
  let depth = 0;
  for (const character of expression) {
    if (character === "(") depth++;
    if (character === ")" && --depth < 0) return false;
  }
  return depth === 0;
}
