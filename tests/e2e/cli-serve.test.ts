// `chronik serve` as a user starts it: a taken port is one clear line and a non-zero exit with
// nothing left open, and settings come from a config file and CHRONIK_* variables.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { chronikCommand, eventually, freePort, loopbackHost, makeTempDir, repoRoot, run, listening } from "./harness.ts";

const startTimeoutMs = 30_000;

let folder: string;

beforeAll(async () => {
  folder = await makeTempDir("serve");
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** Holds a loopback port the way another program would. */
async function occupy(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, loopbackHost, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("Cannot occupy a port: no address after listen");
  return { port: address.port, server };
}


/** The lines chronik wrote that are not its own log lines (those start with a timestamp). */
function nonLogLines(stderr: string): string[] {
  return stderr.split("\n").filter((line) => line !== "" && !/^\d{4}-\d\d-\d\dT/.test(line));
}

describe("serve with a port in use", () => {
  test("the HTTP port taken: one line naming the address, exit 1, the Kafka port closed again", async () => {
    const taken = await occupy();
    const kafkaPort = await freePort();
    try {
      const data = join(folder, "http-taken");
      const result = await run(
        [...chronikCommand(), "serve", "--data", data, "--host", loopbackHost, "--port", String(kafkaPort), "--http-port", String(taken.port)],
        { timeoutMs: startTimeoutMs },
      );
      expect(result.timedOut).toBe(false);
      expect(result.exitCode).toBe(1);
      expect(nonLogLines(result.stderr)).toEqual([`error: Cannot listen on "${loopbackHost}:${taken.port}" (--http-port): address already in use`]);
      // Everything opened before the failure was closed in order, not dropped by the exit.
      expect(result.stderr).toContain("Broker stopped");
      expect(await listening(kafkaPort)).toBe(false);
    } finally {
      taken.server.close();
    }
  }, startTimeoutMs + 10_000);

  test("the Kafka port taken: one line naming the address, exit 1", async () => {
    const taken = await occupy();
    try {
      const data = join(folder, "kafka-taken");
      const result = await run(
        [...chronikCommand(), "serve", "--data", data, "--host", loopbackHost, "--port", String(taken.port), "--http-port", "0"],
        { timeoutMs: startTimeoutMs },
      );
      expect(result.timedOut).toBe(false);
      expect(result.exitCode).toBe(1);
      expect(nonLogLines(result.stderr)).toEqual([`error: Cannot listen on "${loopbackHost}:${taken.port}" (--port): address already in use`]);
    } finally {
      taken.server.close();
    }
  }, startTimeoutMs + 10_000);
});

describe("serve settings", () => {
  test("a config file and CHRONIK_* variables start the broker where they say", async () => {
    const kafkaPort = await freePort();
    const httpPort = await freePort();
    const config = join(folder, "chronik.toml");
    await writeFile(config, `data = "${join(folder, "from-config")}"\nhost = "${loopbackHost}"\nport = ${kafkaPort}\nhttp-port = 1\nauto-create-topics = false\n`);
    const child = Bun.spawn([...chronikCommand(), "serve", "--config", config], {
      env: { ...process.env, CHRONIK_HTTP_PORT: String(httpPort) },
      stdin: "ignore",
      stdout: "ignore",
      stderr: "pipe",
    });
    const stderr = new Response(child.stderr).text();
    try {
      await eventually(async () => {
        if (child.exitCode !== null) throw new Error(`Broker exited with code ${child.exitCode}: ${await stderr}`);
        return (await fetch(`http://${loopbackHost}:${httpPort}/health`).catch(() => null))?.status === 200;
      }, "the broker answers /health on CHRONIK_HTTP_PORT", { waitMs: startTimeoutMs });
      expect(await listening(kafkaPort)).toBe(true);
    } finally {
      child.kill("SIGTERM");
      await child.exited;
    }
    expect(child.exitCode).toBe(0);
    expect(await stderr).toContain(`data=${join(folder, "from-config")}`);
  }, startTimeoutMs + 15_000);
});

describe("npm start", () => {
  test("SIGTERM to `npm start` stops the broker it started (the script execs bun)", async () => {
    const kafkaPort = await freePort();
    const httpPort = await freePort();
    const data = join(folder, "npm-start");
    const child = Bun.spawn(["npm", "start", "--silent", "--", "--data", data, "--host", loopbackHost, "--port", String(kafkaPort), "--http-port", String(httpPort)], {
      cwd: repoRoot,
      stdin: "ignore",
      stdout: "ignore",
      stderr: "pipe",
    });
    const stderr = new Response(child.stderr).text();
    try {
      await eventually(async () => {
        if (child.exitCode !== null) throw new Error(`npm start exited with code ${child.exitCode}: ${await stderr}`);
        return (await fetch(`http://${loopbackHost}:${httpPort}/health`).catch(() => null))?.status === 200;
      }, "the broker started by npm start answers /health", { waitMs: startTimeoutMs });
      child.kill("SIGTERM");
      await child.exited;
      await eventually(async () => !(await listening(kafkaPort)) && !(await listening(httpPort)), "no listener left after SIGTERM to npm start", { waitMs: 15_000 });
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    expect(await stderr).toContain("Broker stopped");
  }, startTimeoutMs + 20_000);
});
