// The HTTP API of a broker that authenticates (a SASL_PLAINTEXT listener): users made with
// `chronik user set --data` and ACLs written to <data>/acls.json before the first start; curl
// without credentials or with a wrong password gets Elasticsearch's 401; alice, who may READ
// topic A only, searches A, is refused B with a 403, and a search of every topic gives her A's
// records only; the super user sees everything; /health stays open. In Chromium, the console
// answers the API's Basic challenge with the user it is given, and shows only what it may see.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { type Broker, chronikCommand, eventually, loopbackHost, makeTempDir, run, runOk, startBroker } from "./harness.ts";

setDefaultTimeout(120_000);

const passwords = { admin: "admin-pw-7", alice: "alice-pw-7" };
/** Kafka's codes (src/security/acl.ts): TOPIC 2, LITERAL 3, READ 3, ALLOW 3. */
const aliceReadsA = { resourceType: 2, resourceName: "A", patternType: 3, principal: "User:alice", host: "*", operation: 3, permission: 3 };
const recordsOf = { A: ["a-1", "a-2", "a-3"], B: ["b-1", "b-2"] };

let broker: Broker;
let dataDir: string;
let base: string;

interface CurlAnswer {
  status: number;
  headers: Record<string, string>;
  json: any;
}

/** curl with `args` (e.g. -u user:password) on `path`: the status, headers (lower-cased names) and JSON body. */
async function curl(path: string, args: string[] = []): Promise<CurlAnswer> {
  const result = await runOk(["curl", "-s", "-i", "--max-time", "30", ...args, `${base}${path}`], { timeoutMs: 40_000 });
  const text = result.stdout.toString();
  const split = text.indexOf("\r\n\r\n");
  const [statusLine, ...headerLines] = text.slice(0, split).split("\r\n");
  const headers = Object.fromEntries(headerLines.map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]));
  return { status: Number(statusLine.split(" ")[1]), headers, json: JSON.parse(text.slice(split + 4)) };
}

const as = (user: keyof typeof passwords) => ["-u", `${user}:${passwords[user]}`];

function securityError(status: number, reason: string) {
  return { error: { root_cause: [{ type: "security_exception", reason }], type: "security_exception", reason }, status };
}

/** The topics and values of a search's hits, sorted. */
function hitsOf(answer: CurlAnswer): string[] {
  return answer.json.hits.hits.map((hit: any) => `${hit._index}:${hit._source.value}`).sort();
}

beforeAll(async () => {
  dataDir = await makeTempDir("http-security-data");
  for (const user of ["admin", "alice"] as const) {
    await runOk([...chronikCommand(), "user", "set", user, "--password", passwords[user], "--data", dataDir], { timeoutMs: 30_000 });
  }
  writeFileSync(join(dataDir, "acls.json"), JSON.stringify({ version: 1, acls: [aliceReadsA] }));
  broker = await startBroker({ dataDir, listeners: ["SASL_PLAINTEXT"], args: ["--super-users", "User:admin", "--search-all-topics"] });
  base = `http://${broker.host}:${broker.httpPort}`;
  for (const [topic, values] of Object.entries(recordsOf)) {
    const lines = values.map((value) => JSON.stringify({ value })).join("\n") + "\n";
    await runOk(
      [
        "kcat", "-b", `${loopbackHost}:${broker.listenerPorts.SASL_PLAINTEXT}`, "-X", "broker.address.family=v4", "-m", "10",
        "-X", "security.protocol=sasl_plaintext", "-X", "sasl.mechanisms=SCRAM-SHA-512", "-X", "sasl.username=admin", "-X", `sasl.password=${passwords.admin}`,
        "-P", "-t", topic,
      ],
      { stdin: lines, timeoutMs: 60_000 },
    );
  }
  await eventually(async () => (await curl("/_search?q=*&size=0", as("admin"))).json.hits?.total.value === 5, "the five records are searchable", { waitMs: 30_000, pollMs: 100 });
});

afterAll(async () => {
  await broker?.cleanup();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("HTTP API of a broker that authenticates", () => {
  test("without credentials: 401 in Elasticsearch's shape with a Basic challenge; /health stays open", async () => {
    const missing = await curl("/_search");
    expect(missing.status).toBe(401);
    expect(missing.headers["www-authenticate"]).toBe('Basic realm="chronik", charset="UTF-8"');
    expect(missing.json).toEqual(securityError(401, "missing authentication credentials for REST request [/_search]"));
    const health = await curl("/health");
    expect(health.status).toBe(200);
    expect(health.json.status).toBe("ok");
  });

  test("a wrong password or an unknown user: 401 naming the user; failures are logged once a window per address", async () => {
    const mark = broker.logEnd;
    const wrong = await curl("/_search", ["-u", "alice:not-her-password"]);
    expect(wrong.status).toBe(401);
    expect(wrong.json).toEqual(securityError(401, "unable to authenticate user [alice] for REST request [/_search]"));
    expect((await curl("/A/_search", ["-u", "mallory:guess"])).json).toEqual(securityError(401, "unable to authenticate user [mallory] for REST request [/A/_search]"));
    await Promise.all(Array.from({ length: 10 }, () => curl("/_search", ["-u", "alice:guess"])));
    const failures = () => broker.logSince(mark).split("\n").filter((line) => line.includes("HTTP authentication failed"));
    await eventually(async () => failures().length > 0, "the failure is logged", { waitMs: 5_000 });
    const logged = failures();
    expect(logged.length).toBe(1);
    expect(logged[0]).toContain('reason=Wrong password for user "alice"');
    expect(broker.logSince(mark)).not.toContain("not-her-password");
  });

  test("alice, who may READ topic A only: /A/_search works, /B/_search is a 403, /_search gives A's records only", async () => {
    const a = await curl("/A/_search?q=*", as("alice"));
    expect(a.status).toBe(200);
    expect(hitsOf(a)).toEqual(["A:a-1", "A:a-2", "A:a-3"]);
    const b = await curl("/B/_search?q=*", as("alice"));
    expect(b.status).toBe(403);
    expect(b.json).toEqual(securityError(403, 'action [indices:data/read/search] is unauthorized for user [alice]: it needs READ on topic "B"'));
    const all = await curl("/_search?q=*", as("alice"));
    expect(all.status).toBe(200);
    expect(hitsOf(all)).toEqual(["A:a-1", "A:a-2", "A:a-3"]);
    const posted = await curl("/_search", [...as("alice"), "-H", "content-type: application/json", "-d", '{"query":{"match_all":{}},"size":10}']);
    expect(hitsOf(posted)).toEqual(["A:a-1", "A:a-2", "A:a-3"]);
  });

  test("alice's admin API shows only topic A; /metrics and /_stats/search need DESCRIBE on the cluster", async () => {
    expect((await curl("/api/topics", as("alice"))).json.map((topic: any) => topic.name)).toEqual(["A"]);
    expect((await curl("/api/topics/B/messages", as("alice"))).status).toBe(403);
    expect((await curl("/api/topics/A/messages", as("alice"))).json.map((record: any) => record.value.json.value)).toEqual(recordsOf.A);
    expect((await curl("/metrics", as("alice"))).json).toEqual(securityError(403, "action [cluster:monitor/metrics] is unauthorized for user [alice]: it needs DESCRIBE on the cluster"));
    expect((await curl("/_stats/search", as("alice"))).status).toBe(403);
  });

  test("the super user sees everything", async () => {
    expect(hitsOf(await curl("/_search?q=*", as("admin")))).toEqual(["A:a-1", "A:a-2", "A:a-3", "B:b-1", "B:b-2"]);
    expect(hitsOf(await curl("/B/_search?q=*", as("admin")))).toEqual(["B:b-1", "B:b-2"]);
    expect((await curl("/api/topics", as("admin"))).json.map((topic: any) => topic.name)).toEqual(expect.arrayContaining(["A", "B"]));
    expect((await curl("/_stats/search", as("admin"))).status).toBe(200);
    const metrics = await runOk(["curl", "-s", "-f", ...as("admin"), `${base}/metrics`], { timeoutMs: 30_000 });
    expect(metrics.stdout.toString()).toContain("chronik_");
  });

  test("creating and deleting a topic over the admin API act as the signed-in user: the super user may, alice may not", async () => {
    const create = (user: keyof typeof passwords) => curl("/api/topics", [...as(user), "-X", "POST", "-H", "content-type: application/json", "-d", '{"name":"made-over-http","partitions":2}']);
    expect((await create("alice")).status).toBe(403);
    expect(await create("admin")).toMatchObject({ status: 201, json: { acknowledged: true, topic: "made-over-http" } });
    expect((await curl("/api/topics/made-over-http", [...as("alice"), "-X", "DELETE"])).status).toBe(403);
    expect(await curl("/api/topics/made-over-http", [...as("admin"), "-X", "DELETE"])).toMatchObject({ status: 200, json: { acknowledged: true } });
  });
});

describe("chronik search and top against a broker that authenticates", () => {
  test("chronik search and top send the user of --url; without one the refusal is one line", async () => {
    const withUser = `http://alice:${passwords.alice}@${broker.host}:${broker.httpPort}`;
    const found = await runOk([...chronikCommand(), "search", "*", "-n", "10", "-f", "json", "--url", withUser], { timeoutMs: 30_000 });
    expect(found.stdout.toString().trim().split("\n").map((line) => JSON.parse(line)._index)).toEqual(["A", "A", "A"]);
    const refused = await run([...chronikCommand(), "search", "*", "--url", base], { timeoutMs: 30_000 });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toBe("chronik search: Search failed (HTTP 401): missing authentication credentials for REST request [/_search]\n");
    const top = (await runOk([...chronikCommand(), "top", "-n", "1", "--url", withUser], { timeoutMs: 30_000 })).stdout.toString();
    expect(top).toMatch(/^A\s/m);
    expect(top).not.toMatch(/^B\s/m);
  });
});

describe("the console of a broker that authenticates", () => {
  test("Chromium answers the API's Basic challenge: alice sees topic A only; without a user the console says to sign in", async () => {
    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
    try {
      const alice = await browser.newPage({ httpCredentials: { username: "alice", password: passwords.alice } });
      await alice.goto(`${base}/#/topics`);
      await alice.getByTestId("topics-table").getByRole("link", { name: "A" }).waitFor({ timeout: 15_000 });
      expect(await alice.getByTestId("topics-table").getByRole("link").allTextContents()).toEqual(["A"]);
      // The overview counts what alice may see; the broker's traffic needs DESCRIBE on the cluster.
      await alice.goto(`${base}/#/`);
      await alice.getByText("this user may not DESCRIBE the cluster").waitFor({ timeout: 15_000 });
      // Headless Chromium has no dialog to cancel: the API's answers reach the page through
      // playwright, as the 401 does once a person cancels the browser's dialog.
      const nobody = await browser.newPage();
      await nobody.route("**/api/**", async (route) => route.fulfill({ response: await route.fetch() }));
      await nobody.goto(`${base}/#/topics`);
      await nobody.getByTestId("error").getByText("Sign in to see this").waitFor({ timeout: 15_000 });
    } finally {
      await browser.close();
    }
  });
});
