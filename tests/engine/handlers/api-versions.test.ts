import { describe, expect, test } from "bun:test";
import { routes } from "../../../src/engine/api-table.ts";
import { apiVersionsResponse, handleApiVersions } from "../../../src/engine/handlers/api-versions.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import { apiByKey } from "../../../src/protocol/messages/index.ts";
import { engineFixture } from "../fixtures.ts";

describe("handleApiVersions", () => {
  test("lists every route with its versions", async () => {
    const fixture = await engineFixture();
    const response = await handleApiVersions({ clientSoftwareName: "test", clientSoftwareVersion: "1" }, fixture.ctx(3));
    expect(response).toEqual({
      errorCode: ErrorCode.NONE,
      apiKeys: routes.map(({ apiKey, minVersion, maxVersion }) => ({ apiKey, minVersion, maxVersion })),
      throttleTimeMs: 0,
      supportedFeatures: [],
      finalizedFeaturesEpoch: -1,
      finalizedFeatures: [],
    });
  });

  test("lists the APIs the context advertises", async () => {
    const fixture = await engineFixture();
    const advertisedApis = [{ apiKey: 18, minVersion: 0, maxVersion: 3 }];
    const response = await handleApiVersions({}, fixture.ctx(0, { advertisedApis }));
    expect(response!.apiKeys).toEqual(advertisedApis);
  });

  test("the error code is the caller's, for answering unsupported versions", () => {
    expect(apiVersionsResponse({ advertisedApis: routes }, ErrorCode.UNSUPPORTED_VERSION).errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
  });
});

describe("routes", () => {
  test("every advertised version is one the generated codec knows", () => {
    for (const route of routes) {
      const codec = apiByKey.get(route.apiKey);
      expect(codec).toBeDefined();
      expect(route.minVersion).toBeGreaterThanOrEqual(codec!.minVersion);
      expect(route.maxVersion).toBeLessThanOrEqual(codec!.maxVersion);
      expect(route.minVersion).toBeLessThanOrEqual(route.maxVersion);
    }
  });

  test("lists each API key once", () => {
    const keys = routes.map((route) => route.apiKey);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
