// The committed generated files must be exactly what the generator writes from the committed
// digest of Kafka's definitions, so a hand edit or a forgotten regeneration fails here (fix:
// `npm run gen:protocol`). Only files inside the repository are read: a fresh clone passes.

import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import path from "node:path";
import { apiFile, indexFile, kebabCase } from "../../../scripts/gen-protocol/emit.ts";
import { digestMessage, digestPath, digestText, readDigest } from "../../../scripts/gen-protocol/digest.ts";
import { resolveMessage } from "../../../scripts/gen-protocol/schema.ts";
import { ApiKey, apiByKey } from "../../../src/protocol/messages/index.ts";

const repoRoot = path.resolve(import.meta.dir, "../../..");
const messagesFolder = path.join(repoRoot, "src/protocol/messages");

describe("generated messages", () => {
  const digest = readDigest();
  const apis = [...apiByKey.values()].map((codec) => ({
    name: codec.name,
    fileName: kebabCase(codec.name),
    request: resolveMessage(digestMessage(digest, `${codec.name}Request`)),
    response: resolveMessage(digestMessage(digest, `${codec.name}Response`)),
  }));

  test("the digest lives in the repository and holds exactly the generated APIs", () => {
    expect(path.relative(repoRoot, digestPath)).toBe(path.join("src", "protocol", "messages", "definitions-digest.json"));
    const names = [...apiByKey.values()].flatMap((codec) => [`${codec.name}Request`, `${codec.name}Response`]);
    expect([...digest.keys()].sort()).toEqual(names.sort());
  });

  test("the digest holds facts only, no definition text", () => {
    const text = readFileSync(digestPath, "utf8");
    expect(text).not.toContain('"about"');
    expect(text).not.toContain("The number of acknowledgments");
    expect(text).not.toContain("//");
    expect(digestText([...digest.values()])).toBe(text);
  });

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
