// Reading a TOML config file for the command line (client settings, serve settings): a missing or
// malformed file is one error naming the file, never a stack.

import { InvalidArgumentError } from "@commander-js/extra-typings";
import { existsSync, readFileSync } from "node:fs";
import { parseToml, TomlError, type TomlDocument } from "./toml.ts";

export function readConfigToml(path: string): TomlDocument {
  if (!existsSync(path)) throw new InvalidArgumentError(`Config file "${path}" does not exist`);
  try {
    return parseToml(readFileSync(path, "utf8"));
  } catch (error) {
    if (error instanceof TomlError) throw new InvalidArgumentError(`Config file "${path}": ${error.message}`);
    throw new InvalidArgumentError(`Cannot read config file "${path}": ${(error as Error).message}`);
  }
}
