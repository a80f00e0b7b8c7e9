import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { clientSasl, clientTls, resolveClientSettings } from "../../src/commands/client-command.ts";

const savedEnv = { CHRONIK_BROKERS: process.env.CHRONIK_BROKERS, XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME };

afterEach(() => {
  for (const [key, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

/** Folders of the config files written, removed after the tests. */
const configDirs: string[] = [];
afterAll(async () => {
  for (const dir of configDirs) await rm(dir, { recursive: true, force: true });
});

async function configFile(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "chronik-settings-"));
  configDirs.push(dir);
  const file = join(dir, "config.toml");
  await writeFile(file, text);
  return file;
}

describe("resolveClientSettings", () => {
  test("flags beat -X, -X beats the environment, the environment beats the file", async () => {
    const config = await configFile('brokers = "file:1"\n[client]\n"linger.ms" = 7\nclient.id = "from-file"\n');
    process.env.CHRONIK_BROKERS = "env:1";
    const base = { set: [] as string[], config, logLevel: "warn" as const };
    expect(resolveClientSettings(base).brokers).toBe("env:1");
    expect(resolveClientSettings({ ...base, set: ["bootstrap.servers=x:1"] }).brokers).toBe("x:1");
    expect(resolveClientSettings({ ...base, brokers: "flag:1", set: ["bootstrap.servers=x:1"] }).brokers).toBe("flag:1");
    delete process.env.CHRONIK_BROKERS;
    const fromFile = resolveClientSettings(base);
    expect(fromFile.brokers).toBe("file:1");
    expect(fromFile.integer("linger.ms")).toBe(7);
    expect(resolveClientSettings({ ...base, set: ["linger.ms=9"] }).integer("linger.ms")).toBe(9);
    expect(fromFile.get("client.id")).toBe("from-file");
  });

  test("without a file or environment the default is localhost:9092", () => {
    delete process.env.CHRONIK_BROKERS;
    process.env.XDG_CONFIG_HOME = join(tmpdir(), "chronik-no-such-config");
    expect(resolveClientSettings({ set: [], logLevel: "warn" }).brokers).toBe("localhost:9092");
  });

  test("unknown keys, malformed entries and bad files are clear errors", async () => {
    expect(() => resolveClientSettings({ set: ["colour=blue"], logLevel: "warn" })).toThrow('Setting "colour" is not a known client setting');
    expect(() => resolveClientSettings({ set: ["linger.ms"], logLevel: "warn" })).toThrow('Setting "linger.ms" is not key=value');
    expect(() => resolveClientSettings({ set: ["linger.ms=soon"], logLevel: "warn" }).integer("linger.ms")).toThrow('"soon", not a whole number');
    const unknownTable = await configFile("[server]\nport = 1\n");
    expect(() => resolveClientSettings({ set: [], config: unknownTable, logLevel: "warn" })).toThrow('unknown table "[server]" key "port"');
    expect(() => resolveClientSettings({ set: [], config: "/nonexistent/chronik.toml", logLevel: "warn" })).toThrow("does not exist");
  });
});

describe("clientTls", () => {
  const settings = (...set: string[]) => resolveClientSettings({ set, logLevel: "warn" });

  test("plaintext needs no TLS; ssl reads the ssl.* files and checks chain and host unless told not to", () => {
    expect(clientTls(settings())).toBeUndefined();
    expect(clientTls(settings("security.protocol=PLAINTEXT"))).toBeUndefined();
    const pem = join(import.meta.dir, "../../package.json");
    const tls = clientTls(settings("security.protocol=ssl", `ssl.ca.location=${pem}`, "ssl.endpoint.identification.algorithm=none"))!;
    expect(tls.ca?.toString()).toContain('"name": "chronik"');
    expect({ verifyCertificate: tls.verifyCertificate, verifyHostname: tls.verifyHostname, cert: tls.cert }).toEqual({ verifyCertificate: true, verifyHostname: false, cert: undefined });
    expect(clientTls(settings("security.protocol=ssl", "enable.ssl.certificate.verification=false"))!.verifyCertificate).toBe(false);
  });

  test("settings chronik cannot honour are one-line errors", () => {
    expect(() => clientTls(settings("security.protocol=gssapi"))).toThrow('Setting "security.protocol" is "gssapi", not one of plaintext, ssl, sasl_plaintext, sasl_ssl');
    expect(() => clientTls(settings("security.protocol=ssl", "ssl.ca.location=/nonexistent.pem"))).toThrow('Setting "ssl.ca.location": cannot read "/nonexistent.pem": ENOENT');
    const pem = join(import.meta.dir, "../../package.json");
    expect(() => clientTls(settings("security.protocol=ssl", `ssl.certificate.location=${pem}`))).toThrow('Settings "ssl.certificate.location" and "ssl.key.location" go together: give both');
    expect(() => clientTls(settings("security.protocol=ssl", "ssl.endpoint.identification.algorithm=dns"))).toThrow('Setting "ssl.endpoint.identification.algorithm" is "dns", not one of https, none');
  });
});

describe("clientSasl", () => {
  const settings = (...set: string[]) => resolveClientSettings({ set, logLevel: "warn" });

  test("sasl_plaintext and sasl_ssl take librdkafka's sasl.* settings; sasl_ssl speaks TLS too", () => {
    expect(clientSasl(settings("security.protocol=ssl"))).toBeUndefined();
    expect(clientSasl(settings("security.protocol=sasl_ssl", "sasl.mechanisms=scram-sha-512", "sasl.username=alice", "sasl.password=pw"))).toEqual({ mechanism: "SCRAM-SHA-512", username: "alice", password: "pw" });
    expect(clientTls(settings("security.protocol=sasl_ssl"))).toBeDefined();
    expect(clientTls(settings("security.protocol=sasl_plaintext"))).toBeUndefined();
  });

  test("a missing or unknown mechanism, or missing credentials, are one-line errors", () => {
    expect(() => clientSasl(settings("security.protocol=sasl_ssl", "sasl.username=a", "sasl.password=b"))).toThrow('Setting "sasl.mechanism" is "", not one of SCRAM-SHA-512, SCRAM-SHA-256, PLAIN');
    expect(() => clientSasl(settings("security.protocol=sasl_ssl", "sasl.mechanism=GSSAPI", "sasl.username=a", "sasl.password=b"))).toThrow('is "GSSAPI", not one of');
    expect(() => clientSasl(settings("security.protocol=sasl_plaintext", "sasl.mechanism=PLAIN", "sasl.username=a"))).toThrow('security.protocol=sasl_plaintext needs the settings "sasl.username" and "sasl.password"');
  });
});
