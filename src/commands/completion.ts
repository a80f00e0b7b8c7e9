// `chronik completion bash|zsh|fish`: shell completion scripts generated from the command tree
// itself, so every command and flag is offered as soon as it exists. bash gets a completion
// function, zsh the same through bashcompinit, fish `complete` lines with descriptions.

import { Command } from "@commander-js/extra-typings";
import { CommandError, runClientCommand } from "./client-command.ts";

const shells = ["bash", "zsh", "fish"] as const;

/** What completion reads of a commander command (any flavour of its typings). */
export interface CommandTree {
  name(): string;
  description(): string;
  readonly options: readonly { long?: string; short?: string; description: string }[];
  readonly commands: readonly CommandTree[];
}

interface CommandNode {
  /** Command names from the root's first subcommand down, e.g. ["topic", "create"]. */
  path: string[];
  description: string;
  flags: Array<{ long: string | null; short: string | null; description: string }>;
  children: CommandNode[];
}

function nodeOf(command: CommandTree, path: string[]): CommandNode {
  return {
    path,
    description: command.description(),
    flags: command.options.map((option) => ({ long: option.long ?? null, short: option.short ?? null, description: option.description })),
    children: command.commands.filter((child) => child.name() !== "help").map((child) => nodeOf(child, [...path, child.name()])),
  };
}

function allNodes(node: CommandNode): CommandNode[] {
  return [node, ...node.children.flatMap(allNodes)];
}

/** The word list a completion offers at `node`: its subcommands, then its flags. */
function wordsOf(node: CommandNode): string {
  const flags = node.flags.flatMap((flag) => [flag.long, flag.short].filter((name): name is string => name !== null));
  return [...node.children.map((child) => child.path.at(-1) as string), ...flags, "--help"].join(" ");
}

export function bashScript(root: CommandNode, name: string): string {
  const cases = allNodes(root)
    .map((node) => `    "${node.path.join(" ")}") words="${wordsOf(node)}" ;;`)
    .join("\n");
  return `# ${name} completion for bash: source <(${name} completion bash)
_${name}_complete() {
  local path="" word
  for word in "\${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    case "$word" in -*) ;; *) case " $(_${name}_words "\${path# }") " in *" $word "*) path="$path $word" ;; esac ;; esac
  done
  COMPREPLY=( $(compgen -W "$(_${name}_words "\${path# }")" -- "\${COMP_WORDS[COMP_CWORD]}") )
}
_${name}_words() {
  local words=""
  case "$1" in
${cases}
  esac
  echo "$words"
}
complete -o default -F _${name}_complete ${name}
`;
}

export function zshScript(root: CommandNode, name: string): string {
  return `# ${name} completion for zsh: source <(${name} completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bashScript(root, name)}`;
}

const fishQuote = (text: string) => `'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;

export function fishScript(root: CommandNode, name: string): string {
  const lines = [`# ${name} completion for fish: ${name} completion fish | source`, `complete -c ${name} -f`];
  for (const node of allNodes(root)) {
    // The command line must hold exactly this node's path, and none of its children yet.
    const seen = node.path.map((word) => `__fish_seen_subcommand_from ${word}`);
    const notDeeper = node.children.length > 0 ? [`not __fish_seen_subcommand_from ${node.children.map((child) => child.path.at(-1)).join(" ")}`] : [];
    const condition = node.path.length === 0 ? ["__fish_use_subcommand"] : [...seen, ...notDeeper];
    const when = `-n ${fishQuote(condition.join("; and "))}`;
    for (const child of node.children) lines.push(`complete -c ${name} ${when} -a ${child.path.at(-1)} -d ${fishQuote(child.description)}`);
    for (const flag of node.flags) {
      const names = [flag.long ? `-l ${flag.long.slice(2)}` : "", flag.short ? `-s ${flag.short.slice(1)}` : ""].filter((part) => part !== "").join(" ");
      if (node.path.length > 0) lines.push(`complete -c ${name} ${when} ${names} -d ${fishQuote(flag.description)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

export function completionCommand(program: () => CommandTree) {
  return new Command("completion")
    .description("Print a shell completion script for bash, zsh or fish")
    .argument("<shell>", "bash, zsh or fish")
    .addHelpText(
      "after",
      "\nExamples:\n  source <(chronik completion bash)            # in ~/.bashrc\n  source <(chronik completion zsh)             # in ~/.zshrc\n  chronik completion fish > ~/.config/fish/completions/chronik.fish\n",
    )
    .action(async (shell) => {
      await runClientCommand("completion", async () => {
        if (!(shells as readonly string[]).includes(shell)) throw new CommandError(`Shell "${shell}" is not one of ${shells.join(", ")}`);
        const root = nodeOf(program(), []);
        const name = program().name();
        const script = shell === "bash" ? bashScript(root, name) : shell === "zsh" ? zshScript(root, name) : fishScript(root, name);
        process.stdout.write(script);
      });
    });
}
