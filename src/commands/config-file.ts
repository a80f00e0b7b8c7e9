// Reading a TOML config file for the command line (client settings, serve settings): a missing or
// malformed file, or a value of the wrong kind in it, is one error naming the file, never a stack.

import { InvalidArgumentError } from "@commander-js/extra-typings";
import { existsSync, readFileSync } from "node:fs";
import { parseToml, TomlError, type TomlTable } from "./toml.ts";

/** The file's table as `read` takes it in; a TomlError from parsing or from `read` names the file. */
export function readConfigToml<Result>(path: string, read: (table: TomlTable) => Result): Result {
  if (!existsSync(path)) throw new InvalidArgumentError(`Config file "${path}" does not exist`);
  let source: string;
  try {
    source = readFileSync(path, "utf8");
  } catch (error) {
    throw new InvalidArgumentError(`Cannot read config file "${path}": ${(error as Error).message}`);
  }
  try {
    return read(parseToml(source));
  } catch (error) {
    if (error instanceof TomlError) throw new InvalidArgumentError(`Config file "${path}": ${error.message}`);
    throw error;
  }
}
