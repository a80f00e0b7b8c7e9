// The committed generated files must be exactly what the generator writes today, so a hand
// edit or a forgotten regeneration fails here (fix: `npm run gen:protocol`).

import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import path from "node:path";
import { apiFile, indexFile, kebabCase } from "../../../scripts/gen-protocol/emit.ts";
import { loadMessage } from "../../../scripts/gen-protocol/schema.ts";
import { ApiKey, apiByKey } from "../../../src/protocol/messages/index.ts";

const repoRoot = path.resolve(import.meta.dir, "../../..");
const definitionsFolder = path.resolve(repoRoot, "../shared/kafka-protocol");
const messagesFolder = path.join(repoRoot, "src/protocol/messages");

describe("generated messages", () => {
  const apis = [...apiByKey.values()].map((codec) => ({
    name: codec.name,
    fileName: kebabCase(codec.name),
    request: loadMessage(definitionsFolder, `${codec.name}Request`),
    response: loadMessage(definitionsFolder, `${codec.name}Response`),
  }));

  test("files match the generator's output", () => {
    for (const api of apis) {
      expect(readFileSync(path.join(messagesFolder, `${api.fileName}.ts`), "utf8"), api.fileName).toBe(apiFile(api));
    }
    expect(readFileSync(path.join(messagesFolder, "index.ts"), "utf8")).toBe(indexFile(apis));
  });

  test("ApiKey and apiByKey agree", () => {
    for (const [name, key] of Object.entries(ApiKey)) expect(apiByKey.get(key)?.name).toBe(name);
    expect(apiByKey.get(ApiKey.Produce)).toMatchObject({ minVersion: 0, maxVersion: 11, flexibleMinVersion: 9 });
    expect(apiByKey.get(ApiKey.SaslHandshake)?.flexibleMinVersion).toBeNull();
  });

  test("no definition text is copied into generated code", () => {
    const produce = readFileSync(path.join(messagesFolder, "produce.ts"), "utf8");
    expect(produce).not.toContain("The number of acknowledgments");
    expect(produce).not.toContain("about");
  });
});
