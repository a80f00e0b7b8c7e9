// TOML config files, parsed by Bun's own TOML parser: tables and dotted keys mean what TOML
// says (`[client]` is a table, `linger.ms = 20` is the key "ms" of a table "linger"). A setting
// is a string, number or boolean; arrays, dates and inline tables are refused where a setting
// is read, by its key.

export class TomlError extends Error {
  override name = "TomlError";
}

export type TomlSetting = string | number | boolean;
/** A parsed TOML table: keys to settings, nested tables, or other TOML values (arrays, dates). */
export interface TomlTable {
  [key: string]: unknown;
}

/** Lines of a file the error's line is looked for in; a longer file's error names no line. */
const errorLineSearchLinesMax = 1_000;
const bunErrorPrefix = "TOML Parse error: ";

export function parseToml(source: string): TomlTable {
  try {
    return Bun.TOML.parse(source) as TomlTable;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    const message = error.message.replace(bunErrorPrefix, "");
    const line = errorLine(source, error.message);
    throw new TomlError(line === undefined ? message : `Line ${line}: ${message}`);
  }
}

/**
 * The line Bun's error is about, which Bun does not say: the first line whose prefix of the file
 * fails with the same message. Undefined when no prefix does (an error at the very end).
 */
function errorLine(source: string, message: string): number | undefined {
  const lines = source.split("\n");
  for (let count = 1; count <= Math.min(lines.length, errorLineSearchLinesMax); count++) {
    try {
      Bun.TOML.parse(lines.slice(0, count).join("\n"));
    } catch (error) {
      if ((error as Error).message === message) return count;
    }
  }
  return undefined;
}

/** Whether a parsed value is a table (not an array, a date or a setting). */
export function isTomlTable(value: unknown): value is TomlTable {
  return typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

/** A value that must be a setting; `key` names it in the error. */
export function tomlSetting(key: string, value: unknown): TomlSetting {
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  throw new TomlError(`"${key}" is ${describe(value)}, not a string, number or boolean`);
}

/** A table's settings by their dotted key paths: `linger.ms = 20` and `[linger] ms = 20` are both "linger.ms". */
export function tomlSettingsByPath(table: TomlTable, prefix = ""): Map<string, TomlSetting> {
  const settings = new Map<string, TomlSetting>();
  for (const [key, value] of Object.entries(table)) {
    const path = prefix + key;
    const entries = isTomlTable(value) ? tomlSettingsByPath(value, `${path}.`) : [[path, tomlSetting(path, value)] as const];
    for (const [entryPath, setting] of entries) {
      // A quoted "linger.ms" and a dotted linger.ms are two keys to TOML but one setting.
      if (settings.has(entryPath)) throw new TomlError(`"${entryPath}" is given twice`);
      settings.set(entryPath, setting);
    }
  }
  return settings;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (isTomlTable(value)) return "a table";
  return "a date";
}
