// The record format language shared by `consume -f` (render) and `produce -f` (parse), after
// rpk's: a format is compiled once into literal bytes and fields, so consume and produce agree
// on every token and `consume -f X | produce -f X` round-trips.
//
// Tokens: %t topic, %p partition, %o offset, %e leader epoch, %d timestamp, %k key, %K key
// length (-1 for null), %v value, %V value length, %H header count, %h headers, %a{…} batch
// attribute, %% a percent sign. kcat's %s (value), %S (value length) and %T (timestamp) are
// aliases. Modifiers in braces: %k{hex} %v{base64} (also {raw}); %d{unix} seconds, %d{rfc3339};
// %h{%k=%v;} renders each header with the inner format (plain %h is kcat's k=v,k=v);
// %a{compression|timestamp-type|transactional-bit|control-bit}.
// Escapes: \n \r \t \0 \\ and \xNN (one byte).

export type BytesEncoding = "raw" | "hex" | "base64";
export type TimestampStyle = "ms" | "unix" | "rfc3339";
export const attributeNames = ["compression", "timestamp-type", "transactional-bit", "control-bit"] as const;
export type AttributeName = (typeof attributeNames)[number];

export type FormatPart =
  | { kind: "literal"; bytes: Uint8Array }
  | { kind: "topic" | "partition" | "offset" | "leaderEpoch" | "keyLength" | "valueLength" | "headerCount" }
  | { kind: "timestamp"; style: TimestampStyle }
  | { kind: "key" | "value"; encoding: BytesEncoding }
  | { kind: "headers"; inner: FormatPart[] | null }
  | { kind: "attribute"; name: AttributeName };

export class FormatError extends Error {
  override name = "FormatError";
}

const simpleTokens = {
  t: "topic",
  p: "partition",
  o: "offset",
  e: "leaderEpoch",
  K: "keyLength",
  V: "valueLength",
  S: "valueLength",
  H: "headerCount",
} as const;

const tokenList = "%t %p %o %e %d %T %k %K %v %s %V %S %H %h %a{…} %%";

/** Compiles a format string; unknown tokens and modifiers are errors rather than printed as typed. */
export function compileFormat(format: string): FormatPart[] {
  const compiler = new Compiler(format);
  const parts = compiler.parts(false);
  return parts;
}

/** True when rendering the format needs batch-level data (%a, %e). */
export function formatNeedsBatch(parts: FormatPart[]): boolean {
  return parts.some((part) => part.kind === "attribute" || part.kind === "leaderEpoch");
}

class Compiler {
  readonly #format: string;
  #at = 0;

  constructor(format: string) {
    this.#format = format;
  }

  /** Parts up to the end of the format, or up to the closing brace of a %h{…}. */
  parts(inHeader: boolean): FormatPart[] {
    const parts: FormatPart[] = [];
    const literal: number[] = [];
    const flush = () => {
      if (literal.length > 0) parts.push({ kind: "literal", bytes: Uint8Array.from(literal.splice(0)) });
    };
    const text = this.#format;
    while (this.#at < text.length) {
      const char = text[this.#at];
      if (inHeader && char === "}") {
        this.#at++;
        flush();
        return parts;
      }
      if (char === "\\") {
        literal.push(...this.#escape());
        continue;
      }
      if (char !== "%") {
        const codePoint = text.codePointAt(this.#at) as number;
        const piece = String.fromCodePoint(codePoint);
        literal.push(...Buffer.from(piece));
        this.#at += piece.length;
        continue;
      }
      this.#at++;
      const token = text[this.#at++];
      if (token === "%" || token === "{" || token === "}") {
        literal.push(token.charCodeAt(0));
        continue;
      }
      flush();
      parts.push(this.#field(token, inHeader));
    }
    if (inHeader) throw new FormatError(`Format "${text}" has a "%h{" without its closing "}"`);
    flush();
    return parts;
  }

  #escape(): number[] {
    const text = this.#format;
    const letter = text[this.#at + 1];
    if (letter === "x" && /^[0-9a-fA-F]{2}$/.test(text.slice(this.#at + 2, this.#at + 4))) {
      const byte = Number.parseInt(text.slice(this.#at + 2, this.#at + 4), 16);
      this.#at += 4;
      return [byte];
    }
    const escaped = { n: 0x0a, r: 0x0d, t: 0x09, "0": 0x00, "\\": 0x5c }[letter ?? ""];
    if (escaped === undefined) {
      this.#at++;
      return [0x5c];
    }
    this.#at += 2;
    return [escaped];
  }

  #modifier(): string | null {
    if (this.#format[this.#at] !== "{") return null;
    const close = this.#format.indexOf("}", this.#at);
    if (close === -1) throw new FormatError(`Format "${this.#format}" has a "{" without its closing "}"`);
    const modifier = this.#format.slice(this.#at + 1, close);
    this.#at = close + 1;
    return modifier;
  }

  #field(token: string | undefined, inHeader: boolean): FormatPart {
    const format = this.#format;
    const unknown = () => new FormatError(`Format "${format}" has an unknown token "%${token ?? ""}": use one of ${tokenList}`);
    if (token === undefined) throw unknown();
    if (inHeader && !"kvKV".includes(token)) {
      throw new FormatError(`Format "${format}" uses "%${token}" inside %h{…}: only %k %v %K %V are allowed there`);
    }
    if (token === "k" || token === "v" || token === "s") {
      const encoding = this.#modifier() ?? "raw";
      if (encoding !== "raw" && encoding !== "hex" && encoding !== "base64") {
        throw new FormatError(`Format "${format}" has an unknown modifier "{${encoding}}" for "%${token}": use {raw}, {hex} or {base64}`);
      }
      return { kind: token === "k" ? "key" : "value", encoding };
    }
    if (token === "d" || token === "T") {
      const style = this.#modifier() ?? "ms";
      if (style !== "ms" && style !== "unix" && style !== "rfc3339") {
        throw new FormatError(`Format "${format}" has an unknown modifier "{${style}}" for "%${token}": use {ms}, {unix} or {rfc3339}`);
      }
      return { kind: "timestamp", style };
    }
    if (token === "h") {
      if (this.#format[this.#at] !== "{") return { kind: "headers", inner: null };
      this.#at++;
      return { kind: "headers", inner: this.parts(true) };
    }
    if (token === "a") {
      const name = this.#modifier();
      if (name === null || !(attributeNames as readonly string[]).includes(name)) {
        throw new FormatError(`Format "${format}" needs "%a{name}" with a name of ${attributeNames.join(", ")}`);
      }
      return { kind: "attribute", name: name as AttributeName };
    }
    const kind = simpleTokens[token as keyof typeof simpleTokens];
    if (kind === undefined) throw unknown();
    return { kind };
  }
}
