// The subset of TOML a chronik config file needs: `key = value` lines with string, integer,
// float and boolean values, `[table]` headers, `#` comments and blank lines. Keys may be bare
// (dotted bare keys such as linger.ms are kept as one flat name, not nested) or quoted.
// Anything else (arrays, inline tables, multi-line strings, dates) is a clear error.

export class TomlError extends Error {
  override name = "TomlError";
}

export type TomlValue = string | number | boolean;
/** Table name ("" for the top level) → key → value. */
export type TomlDocument = Map<string, Map<string, TomlValue>>;

const escapes: Record<string, string> = { n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\" };

function parseKey(text: string, line: number): string {
  const quoted = /^"((?:[^"\\]|\\.)*)"$/.exec(text) ?? /^'([^']*)'$/.exec(text);
  if (quoted) return quoted[1].replace(/\\(.)/g, (_, letter: string) => escapes[letter] ?? letter);
  if (/^[A-Za-z0-9_.-]+$/.test(text)) return text;
  throw new TomlError(`Line ${line}: "${text}" is not a key`);
}

function parseValue(text: string, line: number): TomlValue {
  const basic = /^"((?:[^"\\]|\\.)*)"$/.exec(text);
  if (basic) {
    return basic[1].replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, escape: string) => {
      if (escape.startsWith("u")) return String.fromCharCode(Number.parseInt(escape.slice(1), 16));
      const replaced = escapes[escape];
      if (replaced === undefined) throw new TomlError(`Line ${line}: unknown escape "\\${escape}"`);
      return replaced;
    });
  }
  const literal = /^'([^']*)'$/.exec(text);
  if (literal) return literal[1];
  if (text === "true" || text === "false") return text === "true";
  if (/^[+-]?\d[\d_]*$/.test(text)) return Number(text.replaceAll("_", ""));
  if (/^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text)) return Number(text);
  throw new TomlError(`Line ${line}: "${text}" is not a string, number or boolean`);
}

/** Strips a `#` comment that is not inside a string. */
function withoutComment(text: string): string {
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quote !== null) {
      if (char === "\\" && quote === '"') i++;
      else if (char === quote) quote = null;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === "#") return text.slice(0, i);
  }
  return text;
}

export function parseToml(source: string): TomlDocument {
  const document: TomlDocument = new Map([["", new Map()]]);
  let table = document.get("") as Map<string, TomlValue>;
  source.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const text = withoutComment(raw).trim();
    if (text === "") return;
    const header = /^\[([^\][]+)\]$/.exec(text);
    if (header) {
      const name = parseKey(header[1].trim(), line);
      if (document.has(name)) throw new TomlError(`Line ${line}: table "${name}" is defined twice`);
      table = new Map();
      document.set(name, table);
      return;
    }
    const equals = text.indexOf("=");
    if (equals === -1) throw new TomlError(`Line ${line}: expected "key = value"`);
    const key = parseKey(text.slice(0, equals).trim(), line);
    if (table.has(key)) throw new TomlError(`Line ${line}: key "${key}" is defined twice`);
    table.set(key, parseValue(text.slice(equals + 1).trim(), line));
  });
  return document;
}
