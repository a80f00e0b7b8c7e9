import { afterEach, describe, expect, test } from "bun:test";
import { adminRoutes, tailsMax } from "../../src/http/admin-routes.ts";
import { HttpAccess } from "../../src/http/http-access.ts";
import { BrokerAdmin } from "../../src/engine/admin/broker-admin.ts";
import { buildRecordBatch } from "../../src/records/record-batch.ts";
import { type AdminFixture, adminFixture } from "../engine/admin/admin-fixture.ts";
import { classic, joinParams } from "../engine/groups/group-fixture.ts";
import { allow, authorizerWith, clusterAllow, Operation, PatternType, ResourceType } from "./security-fixture.ts";

let fixture: AdminFixture;
afterEach(() => fixture?.coordinator.close());

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const handle = adminRoutes(fixture.admin);
  const response = await handle(new Request(`http://chronik${path}`, { method, ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }) }));
  return { status: response.status, json: await response.json() };
}

async function ordersWithRecords(): Promise<void> {
  fixture = await adminFixture({ searchAllTopics: true });
  expect(await call("POST", "/api/topics", { name: "orders", partitions: 2, configs: { "retention.ms": 60000 } })).toEqual({ status: 201, json: { acknowledged: true, topic: "orders" } });
  const topic = fixture.topics.get("orders")!;
  for (let i = 0; i < 6; i++) await topic.partitions[i % 2].append(buildRecordBatch({ records: [{ value: `order ${i}`, timestamp: 5_000 + i }] }));
}

describe("/api topics", () => {
  test("create, list, describe and delete a topic", async () => {
    await ordersWithRecords();
    const list = await call("GET", "/api/topics");
    expect(list.json.find((topic: any) => topic.name === "orders")).toEqual({ name: "orders", internal: false, partitions: 2, sizeBytes: expect.any(Number), offsets: 6, searchEnabled: true });
    const detail = (await call("GET", "/api/topics/orders")).json;
    expect(detail.partitionDetails.map((partition: any) => [partition.partition, partition.logStartOffset, partition.highWatermark])).toEqual([[0, 0, 3], [1, 0, 3]]);
    expect(detail.configs).toContainEqual({ name: "retention.ms", value: "60000", source: "topic" });
    expect(detail.configs).toContainEqual({ name: "cleanup.policy", value: "delete", source: "default" });
    expect(await call("DELETE", "/api/topics/orders")).toEqual({ status: 200, json: { acknowledged: true, topic: "orders" } });
    expect((await call("GET", "/api/topics/orders")).status).toBe(404);
  });

  test("refusals carry Kafka's error name and a fitting status", async () => {
    await ordersWithRecords();
    const again = await call("POST", "/api/topics", { name: "orders" });
    expect(again.status).toBe(409);
    expect(again.json.error.type).toBe("TOPIC_ALREADY_EXISTS");
    expect((await call("POST", "/api/topics", { name: "a b" })).json.error.type).toBe("INVALID_TOPIC_EXCEPTION");
    expect((await call("POST", "/api/topics", { name: "x", configs: { "retention.ms": "soon" } })).json.error.type).toBe("INVALID_CONFIG");
    expect((await call("POST", "/api/topics", { name: "x", partitions: 0 })).json.error.reason).toBe('"partitions" must be a positive whole number, not 0');
    expect((await call("POST", "/api/topics", "{oops")).json.error.type).toBe("parsing_exception");
    expect((await call("POST", "/api/topics", {})).json.error.reason).toBe('The body needs "name", the topic name');
    expect((await call("DELETE", "/api/topics/__consumer_offsets")).status).toBe(400);
    expect((await call("PUT", "/api/topics/orders")).status).toBe(405);
    expect((await call("GET", "/api/nothing")).status).toBe(404);
  });
});

describe("/api/topics/<name>/messages", () => {
  test("by partition and offset, by time, the newest; bad parameters are 400s", async () => {
    await ordersWithRecords();
    const byOffset = await call("GET", "/api/topics/orders/messages?partition=1&offset=1&limit=5");
    expect(byOffset.json.map((record: any) => record.value.text)).toEqual(["order 3", "order 5"]);
    const byTime = await call("GET", `/api/topics/orders/messages?timestamp=${new Date(5_004).toISOString()}&limit=1`);
    expect(byTime.json.map((record: any) => record.value.text)).toEqual(["order 4"]);
    const newest = await call("GET", "/api/topics/orders/messages?limit=2");
    expect(newest.json.map((record: any) => record.value.text)).toEqual(["order 4", "order 5"]);
    expect((await call("GET", "/api/topics/orders/messages?limit=0")).json.error.reason).toBe("limit must be between 1 and 500, not 0");
    expect((await call("GET", "/api/topics/orders/messages?offset=1&timestamp=2")).json.error.reason).toBe("Give offset or timestamp, not both");
    expect((await call("GET", "/api/topics/orders/messages?timestamp=yesterday")).status).toBe(400);
    expect((await call("GET", "/api/topics/orders/messages?partition=9")).status).toBe(404);
  });

  test("the live tail streams new records as Server-Sent Events, and refuses more than its bound", async () => {
    await ordersWithRecords();
    const handle = adminRoutes(fixture.admin);
    const stop = new AbortController();
    const response = await handle(new Request("http://chronik/api/topics/orders/tail", { signal: stop.signal }));
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const reader = response.body!.getReader();
    await fixture.topics.get("orders")!.partitions[0].append(buildRecordBatch({ records: [{ value: "live" }] }));
    let text = "";
    while (!text.includes("event: records")) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toContain('"text":"live"');
    const extra = new AbortController();
    const others = await Promise.all(Array.from({ length: tailsMax }, () => handle(new Request("http://chronik/api/topics/orders/tail", { signal: extra.signal }))));
    expect(others.map((other) => other.status).filter((status) => status === 503).length).toBe(1);
    stop.abort();
    extra.abort();
    await reader.cancel();
  });
});

describe("/api/groups", () => {
  test("a group's lag, reset offsets, delete; a group with members cannot be reset", async () => {
    await ordersWithRecords();
    const commit = { memberId: "", groupInstanceId: null, generationId: -1 };
    await fixture.coordinator.commitOffsets("readers", commit, [{ topic: "orders", partition: 0, offset: 1, leaderEpoch: -1, metadata: null }]);
    expect((await call("GET", "/api/groups")).json).toEqual([{ groupId: "readers", type: "classic", state: "Empty", members: 0, topics: ["orders"], lag: 2 }]);
    const reset = await call("POST", "/api/groups/readers/reset-offsets", { topic: "orders", to: "earliest" });
    expect(reset.json.offsets).toEqual([{ partition: 0, offset: 0 }, { partition: 1, offset: 0 }]);
    const detail = (await call("GET", "/api/groups/readers")).json;
    expect(detail.offsets.map((row: any) => [row.partition, row.committedOffset, row.lag])).toEqual([[0, 0, 3], [1, 0, 3]]);
    expect((await call("POST", "/api/groups/readers/reset-offsets", { topic: "orders", to: "sometime" })).status).toBe(400);
    expect((await call("POST", "/api/groups/readers/reset-offsets", { topic: "nope", to: "latest" })).status).toBe(404);
    expect(await call("DELETE", "/api/groups/readers")).toEqual({ status: 200, json: { acknowledged: true, group: "readers" } });
    expect((await call("GET", "/api/groups/readers")).status).toBe(404);

    void classic(fixture.coordinator, "busy").join(joinParams());
    const busy = await call("POST", "/api/groups/busy/reset-offsets", { topic: "orders", to: "latest" });
    expect({ status: busy.status, type: busy.json.error.type }).toEqual({ status: 409, type: "NON_EMPTY_GROUP" });
  });

  test("the overview counts topics, partitions and groups, with the produce totals", async () => {
    await ordersWithRecords();
    fixture.metrics.produced("orders", 6, 600);
    const overview = (await call("GET", "/api/overview")).json;
    // The fixture has __consumer_offsets besides orders.
    expect(overview).toMatchObject({ clusterId: "admin-test", uptimeMs: 60_000, topics: 2, partitions: 3, groups: 0, totals: { producedRecords: 6, producedBytes: 600 } });
  });
});

describe("/api of a broker that authenticates", () => {
  let cleanup: (() => void) | undefined;
  afterEach(() => cleanup?.());

  /**
   * Topics A and B with records, groups ga (offsets in A and B) and gb (offsets in B). alice may
   * READ A, CREATE topics named new-*, and READ group ga; erin may DESCRIBE B and its configs;
   * dave may DESCRIBE the cluster.
   */
  async function secured(): Promise<(principal: string, method: string, path: string, body?: unknown) => Promise<{ status: number; json: any }>> {
    fixture = await adminFixture();
    const open = adminRoutes(fixture.admin);
    for (const name of ["A", "B"]) {
      await open(new Request("http://chronik/api/topics", { method: "POST", body: JSON.stringify({ name }) }));
      await fixture.topics.get(name)!.partitions[0].append(buildRecordBatch({ records: [{ value: `in ${name}` }, { value: `more in ${name}` }] }));
    }
    const commit = { memberId: "", groupInstanceId: null, generationId: -1 };
    await fixture.coordinator.commitOffsets("ga", commit, ["A", "B"].map((topic) => ({ topic, partition: 0, offset: 0, leaderEpoch: -1, metadata: null })));
    await fixture.coordinator.commitOffsets("gb", commit, [{ topic: "B", partition: 0, offset: 1, leaderEpoch: -1, metadata: null }]);
    const made = await authorizerWith([
      allow("User:alice", Operation.READ, ResourceType.TOPIC, "A"),
      allow("User:erin", Operation.DESCRIBE, ResourceType.TOPIC, "B"),
      allow("User:erin", Operation.DESCRIBE_CONFIGS, ResourceType.TOPIC, "B"),
      allow("User:alice", Operation.CREATE, ResourceType.TOPIC, "new-", PatternType.PREFIXED),
      allow("User:alice", Operation.READ, ResourceType.GROUP, "ga"),
      clusterAllow("User:dave", Operation.DESCRIBE),
    ]);
    cleanup = made.cleanup;
    const handle = adminRoutes(fixture.admin);
    return async (principal, method, path, body) => {
      const response = await handle(new Request(`http://chronik${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }), new HttpAccess(made.authorizer, { principal, host: "127.0.0.1" }));
      return { status: response.status, json: await response.json() };
    };
  }

  test("lists show only the topics and groups the user may DESCRIBE, and the overview counts only them", async () => {
    const call = await secured();
    expect((await call("User:alice", "GET", "/api/topics")).json.map((topic: any) => topic.name)).toEqual(["A"]);
    expect((await call("User:admin", "GET", "/api/topics")).json.map((topic: any) => topic.name)).toEqual(["A", "B", "__consumer_offsets"]);
    expect((await call("User:alice", "GET", "/api/groups")).json).toEqual([{ groupId: "ga", type: "classic", state: "Empty", members: 0, topics: ["A"], lag: 2 }]);
    expect((await call("User:admin", "GET", "/api/groups")).json.map((group: any) => [group.groupId, group.lag])).toEqual([["ga", 4], ["gb", 1]]);
    expect((await call("User:alice", "GET", "/api/overview")).json).toMatchObject({ topics: 1, partitions: 1, groups: 1, totals: null });
    expect((await call("User:dave", "GET", "/api/overview")).json).toMatchObject({ topics: 3, groups: 2, totals: { producedRecords: 0 } });
  });

  test("a topic needs DESCRIBE, its configs DESCRIBE_CONFIGS, its messages READ, deleting it DELETE", async () => {
    const call = await secured();
    const a = await call("User:alice", "GET", "/api/topics/A");
    expect(a.status).toBe(200);
    expect(a.json.configs).toEqual([]);
    const b = await call("User:erin", "GET", "/api/topics/B");
    expect(b.status).toBe(200);
    expect(b.json.configs.length).toBeGreaterThan(0);
    expect((await call("User:alice", "GET", "/api/topics/A/messages")).json.map((record: any) => record.value.text)).toEqual(["in A", "more in A"]);
    const messages = await call("User:alice", "GET", "/api/topics/B/messages");
    expect(messages).toEqual({ status: 403, json: { error: { root_cause: [{ type: "security_exception", reason: expect.any(String) }], type: "security_exception", reason: 'action [GET /api/topics/B/messages] is unauthorized for user [alice]: it needs READ on topic "B"' }, status: 403 } });
    expect((await call("User:alice", "GET", "/api/topics/B/tail")).status).toBe(403);
    expect((await call("User:alice", "DELETE", "/api/topics/A")).json.error.reason).toBe('action [DELETE /api/topics/A] is unauthorized for user [alice]: it needs DELETE on topic "A"');
    // Whether or not the topic exists, a user who may not DESCRIBE it is refused.
    expect((await call("User:alice", "GET", "/api/topics/nothing")).status).toBe(403);
    expect((await call("User:admin", "GET", "/api/topics/nothing")).status).toBe(404);
  });

  test("creating a topic needs CREATE on the cluster or on the topic", async () => {
    const call = await secured();
    expect((await call("User:alice", "POST", "/api/topics", { name: "other" })).json.error.reason).toBe('action [POST /api/topics] is unauthorized for user [alice]: it needs CREATE on the cluster or on topic "other"');
    expect(fixture.topics.get("other")).toBeUndefined();
    expect((await call("User:alice", "POST", "/api/topics", { name: "new-one" })).status).toBe(201);
  });

  test("a group needs DESCRIBE (its offsets show only topics the user may DESCRIBE), a reset READ on the group and the topic, deleting it DELETE", async () => {
    const call = await secured();
    const ga = await call("User:alice", "GET", "/api/groups/ga");
    expect(ga.json.offsets.map((row: any) => row.topic)).toEqual(["A"]);
    expect((await call("User:alice", "GET", "/api/groups/gb")).json.error.reason).toBe('action [GET /api/groups/gb] is unauthorized for user [alice]: it needs DESCRIBE on group "gb"');
    expect((await call("User:alice", "POST", "/api/groups/ga/reset-offsets", { topic: "B", to: "latest" })).json.error.reason).toBe('action [POST /api/groups/ga/reset-offsets] is unauthorized for user [alice]: it needs READ on topic "B"');
    expect((await call("User:alice", "POST", "/api/groups/ga/reset-offsets", { topic: "A", to: "latest" })).json.offsets).toEqual([{ partition: 0, offset: 2 }]);
    expect((await call("User:alice", "DELETE", "/api/groups/ga")).status).toBe(403);
    expect((await call("User:admin", "DELETE", "/api/groups/gb")).status).toBe(200);
  });
});

describe("/api refusals by the broker's handlers", () => {
  test("an authorization error from CreateTopics is a 403 with Kafka's error name", async () => {
    fixture = await adminFixture();
    // The handler checks the context's requester (none here: ANONYMOUS), whom no ACL allows.
    const made = await authorizerWith([]);
    try {
      const admin = new BrokerAdmin({ config: fixture.config, clusterId: "admin-test", startedAtMs: 0, topics: fixture.topics, groups: fixture.coordinator, metrics: fixture.metrics, searchAllTopics: false, context: () => fixture.ctx(0, { authorizer: made.authorizer }), now: () => 0 });
      const response = await adminRoutes(admin)(new Request("http://chronik/api/topics", { method: "POST", body: '{"name":"refused"}' }));
      expect(response.status).toBe(403);
      expect(((await response.json()) as any).error.type).toBe("TOPIC_AUTHORIZATION_FAILED");
    } finally {
      made.cleanup();
    }
  });
});
