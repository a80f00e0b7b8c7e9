import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Findings, FindingKind, signatureOf } from "../../../scripts/fuzz/findings.ts";
import { reportLoggedErrors } from "../../../scripts/fuzz/live.ts";
import { loadSeeds, parseArgs, UsageError } from "../../../scripts/fuzz/requests.ts";
import { decodeRequestHeader } from "../../../src/protocol/headers.ts";
import { apiByKey } from "../../../src/protocol/messages/index.ts";
import { Reader } from "../../../src/protocol/reader.ts";

describe("Findings", () => {
  test("keeps one finding per kind and signature, counts the rest, and writes the first input", () => {
    const directory = mkdtempSync(path.join(tmpdir(), "chronik-findings-"));
    try {
      const findings = new Findings({ directory });
      const origin = { runSeed: 1, execution: 7, seed: "Metadata-v10", steps: ["bitFlip(bits 3)"] };
      expect(findings.add(FindingKind.crash, "TypeError at src/a.ts:1", "boom", { bytes: Uint8Array.of(1, 2), origin })).toBe(true);
      expect(findings.add(FindingKind.crash, "TypeError at src/a.ts:1", "boom again", { bytes: Uint8Array.of(3), origin })).toBe(false);
      expect(findings.add(FindingKind.handlerError, "TypeError at src/a.ts:1", "logged")).toBe(true);
      const [crash] = findings.all();
      expect(crash.count).toBe(2);
      expect([...readFileSync(crash.file!)]).toEqual([1, 2]);
      expect(JSON.parse(readFileSync(crash.file!.replace(/\.bin$/, ".json"), "utf8")).origin).toEqual(origin);
      expect(findings.unique(FindingKind.crash)).toBe(1);
      expect(findings.failed).toBe(true);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  test("a hang turned into a slow request no longer fails the run", () => {
    const findings = new Findings({ write: false });
    findings.add(FindingKind.hang, "Metadata did not settle", "not settled");
    expect(findings.failed).toBe(true);
    findings.rekind(FindingKind.hang, "Metadata did not settle", FindingKind.slowRequest);
    expect(findings.all().map((finding) => finding.kind)).toEqual([FindingKind.slowRequest]);
    expect(findings.failed).toBe(false);
  });

  test("handler errors alone do not fail a run", () => {
    const findings = new Findings({ write: false });
    findings.add(FindingKind.handlerError, "x", "y");
    expect(findings.failed).toBe(false);
  });

  test("a signature is the error's name and first stack frame in the repository", () => {
    const error = new RangeError("Offset 12 is out of bounds");
    error.stack = `RangeError: Offset 12 is out of bounds\n    at read (${path.resolve(import.meta.dir, "../../../src/protocol/reader.ts")}:40:12)`;
    expect(signatureOf(error)).toBe("RangeError at src/protocol/reader.ts:40");
    expect(signatureOf(new Error("Cannot read 12 bytes"))).toMatch(/^Error/);
  });
});

describe("reportLoggedErrors", () => {
  test("each distinct ERROR line of the broker's log is one handler error", () => {
    const findings = new Findings({ write: false });
    const log = [
      "2026-12-08T01:58:03.724Z INFO  [chronik/topics] Created topic topic=a",
      "2026-12-08T01:58:04.000Z ERROR [chronik/request] Request failed unexpectedly api=Produce version=3",
      "2026-12-08T01:58:05.000Z ERROR [chronik/request] Request failed unexpectedly api=Fetch version=12",
    ].join("\n");
    reportLoggedErrors(findings, log);
    expect(findings.all().map((finding) => [finding.kind, finding.signature, finding.count])).toEqual([
      [FindingKind.handlerError, "broker log: [chronik/request] Request failed unexpectedly", 2],
    ]);
  });
});

describe("parseArgs", () => {
  test("reads the flags, and refuses unknown ones and bad values", () => {
    expect(parseArgs(["--broker", "127.0.0.1:9092", "--seconds", "5", "--seed", "42", "--pid", "7"])).toMatchObject({ broker: { host: "127.0.0.1", port: 9092 }, seconds: 5, seed: 42, pid: 7 });
    expect(parseArgs(["--seed", "3", "--replay", "1234"])).toMatchObject({ seed: 3, replay: 1234 });
    expect(() => parseArgs(["--broker", "nohost"])).toThrow(UsageError);
    expect(() => parseArgs(["--seconds", "x"])).toThrow('--seconds must be a whole number, not "x"');
    expect(() => parseArgs(["--colour"])).toThrow('Unknown flag "--colour"');
  });
});

describe("loadSeeds", () => {
  test("the control requests are ApiVersions v3 and a Metadata v1 naming no topic, both valid", () => {
    const { controls } = loadSeeds();
    expect(controls.map((control) => control.name)).toEqual(["ApiVersions-v3", "Metadata-v1 (no topics)"]);
    for (const control of controls) {
      const reader = new Reader(control.frame);
      const header = decodeRequestHeader(reader);
      const body = apiByKey.get(header.apiKey)!.decodeRequest(reader, header.apiVersion);
      expect(reader.remaining).toBe(0);
      if (header.apiKey === 3) expect(body).toMatchObject({ topics: [] });
    }
  });
});
