import { describe, expect, test } from "bun:test";
import { searchBody, searchCommand } from "../../src/commands/search.ts";

/** Each option's help entry (its lines joined), keyed by the flags that start it. */
function optionEntries(help: string): string[] {
  const options = help.slice(help.indexOf("Options:"));
  return options.split(/\n(?= {2}-)/).slice(1).map((entry) => entry.replace(/\s+/g, " ").trim());
}

describe("chronik search", () => {
  test("--help prints each default once", () => {
    const entries = optionEntries(searchCommand().helpInformation());
    expect(entries.length).toBeGreaterThan(5);
    for (const entry of entries) expect(entry.match(/default/g)?.length ?? 0, entry).toBeLessThanOrEqual(1);
    const url = entries.find((entry) => entry.startsWith("--url"));
    expect(url).toContain("$CHRONIK_URL");
    expect(url?.match(/localhost:6092/g)).toHaveLength(1);
  });

  test("-n 0 asks the server for the count alone", () => {
    expect(searchBody("x", { topics: [], limit: 0, sort: "score" }).size).toBe(0);
  });
});
