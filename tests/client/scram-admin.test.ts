import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Cluster, ScramAdmin } from "../../src/client/index.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { UserStore } from "../../src/security/user-store.ts";
import { passwordMatches } from "../../src/security/scram.ts";
import { type Broker, startBroker } from "../e2e/harness.ts";

let broker: Broker;
let cluster: Cluster;
let admin: ScramAdmin;

// No listener authenticates, so there is no authorizer: every principal may alter users.
beforeAll(async () => {
  broker = await startBroker();
  cluster = new Cluster({ brokers: broker.bootstrap });
  admin = new ScramAdmin(cluster);
}, 30_000);

afterAll(async () => {
  cluster?.close();
  await broker?.cleanup();
}, 30_000);

describe("ScramAdmin", () => {
  test("upserts credentials from passwords the broker never sees, describes and deletes them", async () => {
    const created = await admin.alter({
      upsertions: [
        { user: "alice", mechanism: "SCRAM-SHA-512", password: "wonderland", iterations: 4096 },
        { user: "bob", mechanism: "SCRAM-SHA-256", password: "builder", iterations: 8192 },
      ],
    });
    expect(created).toEqual([
      { user: "alice", error: null },
      { user: "bob", error: null },
    ]);
    // The broker stored keys a PLAIN login with the password matches, in its users.json.
    const stored = UserStore.open(broker.dataDir);
    expect(passwordMatches("SCRAM-SHA-256", stored.credential("bob", "SCRAM-SHA-256")!, "builder")).toBe(true);
    expect(stored.credential("bob", "SCRAM-SHA-256")!.salt.length).toBe(32);

    expect(await admin.describe()).toEqual([
      { user: "alice", error: null, credentials: [{ mechanism: "SCRAM-SHA-512", iterations: 4096 }] },
      { user: "bob", error: null, credentials: [{ mechanism: "SCRAM-SHA-256", iterations: 8192 }] },
    ]);
    const [missing] = await admin.describe(["nobody"]);
    expect([missing.user, missing.error?.code, missing.credentials]).toEqual(["nobody", ErrorCode.RESOURCE_NOT_FOUND, []]);

    expect(await admin.alter({ deletions: [{ user: "alice", mechanism: "SCRAM-SHA-512" }] })).toEqual([{ user: "alice", error: null }]);
    const [gone] = await admin.alter({ deletions: [{ user: "alice", mechanism: "SCRAM-SHA-512" }] });
    expect(gone.error?.code).toBe(ErrorCode.RESOURCE_NOT_FOUND);
    expect(gone.error?.message).toBe('Kafka error RESOURCE_NOT_FOUND (91): user "alice": Attempt to delete a user credential that does not exist');
  });

  test("reports each user's error: a user twice, too few iterations", async () => {
    const results = await admin.alter({
      deletions: [{ user: "bob", mechanism: "SCRAM-SHA-256" }],
      upsertions: [
        { user: "bob", mechanism: "SCRAM-SHA-512", password: "x", iterations: 4096 },
        { user: "carol", mechanism: "SCRAM-SHA-512", password: "x", iterations: 4095 },
      ],
    });
    expect(results.map(({ user, error }) => [user, error?.code])).toEqual([
      ["bob", ErrorCode.DUPLICATE_RESOURCE],
      ["carol", ErrorCode.UNACCEPTABLE_CREDENTIAL],
    ]);
    expect((await admin.describe(["bob"]))[0].credentials).toEqual([{ mechanism: "SCRAM-SHA-256", iterations: 8192 }]);
  });
});
