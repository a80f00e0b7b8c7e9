// Where a server command's settings come from besides its command line: CHRONIK_<FLAG>
// environment variables and a TOML config file whose keys are the long flag names. Strongest
// first: command line, environment, config file, built-in default. Every value goes through the
// flag's own parser, so `retention-ms = "7d"` in a file means what `--retention-ms 7d` means.

import { InvalidArgumentError, type CommandUnknownOpts, type Option } from "@commander-js/extra-typings";
import { parseBoolean } from "./options.ts";
import { readConfigToml } from "./config-file.ts";
import { isTomlTable, TomlError, tomlSetting, type TomlSetting } from "./toml.ts";

export const environmentPrefix = "CHRONIK_";
/** The flag naming the config file; it cannot be set from inside the file. */
export const configFlag = "config";

/** "http-port" → "CHRONIK_HTTP_PORT". */
export function environmentName(flag: string): string {
  return environmentPrefix + flag.toUpperCase().replaceAll("-", "_");
}

/** The options a config key or variable may set: long, positive flags (not --no-…, --help or --config). */
function settableOptions(command: CommandUnknownOpts): Map<string, Option> {
  const options = new Map<string, Option>();
  for (const option of command.options) {
    const flag = option.long?.replace(/^--/, "");
    if (flag === undefined || option.negate || flag === "help" || flag === configFlag) continue;
    options.set(flag, option);
  }
  return options;
}

/** A value from the environment or a file, checked by the flag's parser; a boolean flag takes true or false. */
function parseSetting(option: Option, value: TomlSetting): unknown {
  if (option.isBoolean()) return typeof value === "boolean" ? value : parseBoolean(String(value));
  if (typeof value === "boolean") throw new InvalidArgumentError(`${value} is not a value for a flag that takes one`);
  const text = String(value);
  return option.parseArg ? option.parseArg(text, option.defaultValue) : text;
}

/** The file's settings by key; a table (`[broker]`, or a dotted key `broker.port`) is refused. */
function readConfigFile(path: string): Map<string, TomlSetting> {
  return readConfigToml(path, (table) => {
    const settings = new Map<string, TomlSetting>();
    for (const [key, value] of Object.entries(table)) {
      if (isTomlTable(value)) throw new TomlError(`unknown table "[${key}]": write each flag as key = value at the top level`);
      settings.set(key, tomlSetting(key, value));
    }
    return settings;
  });
}

function describeFailure(error: unknown): string {
  if (error instanceof InvalidArgumentError) return error.message;
  throw error;
}

/**
 * Fills every option not given on the command line from its CHRONIK_* variable, else from the
 * config file (--config, else $CHRONIK_CONFIG). A bad value or an unknown key in the file is
 * reported through `command.error`: one line, exit code 1.
 */
export function applySettingSources(command: CommandUnknownOpts, environment: Record<string, string | undefined>): void {
  const options = settableOptions(command);
  const configPath = (command.getOptionValue(configFlag) as string | undefined) ?? environment[environmentName(configFlag)];
  let file = new Map<string, TomlSetting>();
  try {
    if (configPath !== undefined && configPath !== "") file = readConfigFile(configPath);
  } catch (error) {
    command.error(`error: ${describeFailure(error)}`);
  }
  for (const key of file.keys()) {
    if (!options.has(key)) {
      command.error(`error: Config file "${configPath}": unknown key "${key}": keys are the long flag names of \`chronik ${command.name()} --help\`, e.g. port = 9092`);
    }
  }
  for (const [flag, option] of options) {
    const attribute = option.attributeName();
    if (command.getOptionValueSource(attribute) === "cli") continue;
    const variable = environmentName(flag);
    const fromEnvironment = environment[variable];
    if (fromEnvironment !== undefined && fromEnvironment !== "") {
      try {
        command.setOptionValueWithSource(attribute, parseSetting(option, fromEnvironment), "env");
      } catch (error) {
        command.error(`error: ${variable}: ${describeFailure(error)}`);
      }
      continue;
    }
    const fromFile = file.get(flag);
    if (fromFile === undefined) continue;
    try {
      command.setOptionValueWithSource(attribute, parseSetting(option, fromFile), "config");
    } catch (error) {
      command.error(`error: Config file "${configPath}": ${flag}: ${describeFailure(error)}`);
    }
  }
}
