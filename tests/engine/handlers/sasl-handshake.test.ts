import { describe, expect, test } from "bun:test";
import { handleSaslHandshake } from "../../../src/engine/handlers/sasl-handshake.ts";
import { SaslSession } from "../../../src/engine/sasl-session.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import { engineFixture } from "../fixtures.ts";

const enabled = ["SCRAM-SHA-512", "PLAIN"] as const;

async function handshake(version: number, mechanism: string, sasl: SaslSession | undefined) {
  const engine = await engineFixture();
  return (await handleSaslHandshake({ mechanism }, engine.ctx(version, { sasl, saslMechanisms: enabled })))!;
}

function authenticated(mechanism: SaslSession["mechanism"]): SaslSession {
  const session = new SaslSession();
  session.mechanism = mechanism;
  session.principal = "User:alice";
  return session;
}

describe("SaslHandshake", () => {
  test("v1: an enabled mechanism is chosen for the SaslAuthenticate requests that follow; the answer lists the enabled ones", async () => {
    const session = new SaslSession();
    expect(await handshake(1, "SCRAM-SHA-512", session)).toEqual({ errorCode: ErrorCode.NONE, mechanisms: ["SCRAM-SHA-512", "PLAIN"] });
    expect(session.mechanism).toBe("SCRAM-SHA-512");
    expect(session.bareTokens).toBe(false);
  });

  test("v0: the client sends bare SASL tokens next", async () => {
    const session = new SaslSession();
    expect((await handshake(0, "PLAIN", session)).errorCode).toBe(ErrorCode.NONE);
    expect(session.mechanism).toBe("PLAIN");
    expect(session.bareTokens).toBe(true);
  });

  test("a mechanism this broker does not enable is UNSUPPORTED_SASL_MECHANISM, and none is chosen", async () => {
    const session = new SaslSession();
    // SCRAM-SHA-256 is known to chronik but not enabled here.
    for (const mechanism of ["SCRAM-SHA-256", "GSSAPI", "plain"]) {
      expect(await handshake(1, mechanism, session)).toEqual({ errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: ["SCRAM-SHA-512", "PLAIN"] });
    }
    expect(session.mechanism).toBeNull();
  });

  test("outside a SASL listener, or a second handshake before authenticating: ILLEGAL_SASL_STATE", async () => {
    expect(await handshake(1, "PLAIN", undefined)).toEqual({ errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: ["SCRAM-SHA-512", "PLAIN"] });
    const session = new SaslSession();
    await handshake(1, "PLAIN", session);
    expect((await handshake(1, "SCRAM-SHA-512", session)).errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
    expect(session.mechanism).toBe("PLAIN");
  });

  test("re-authentication (KIP-368): v1+ with the same mechanism on an authenticated connection starts a new exchange", async () => {
    const session = authenticated("SCRAM-SHA-512");
    session.exchange = {} as SaslSession["exchange"];
    expect((await handshake(1, "SCRAM-SHA-512", session)).errorCode).toBe(ErrorCode.NONE);
    expect(session.reauthenticating).toBe(true);
    expect(session.exchange).toBeNull();
    expect(session.principal).toBe("User:alice");
    // Only once at a time.
    expect((await handshake(1, "SCRAM-SHA-512", session)).errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
  });

  test("re-authentication with v0 or another mechanism is ILLEGAL_SASL_STATE", async () => {
    const v0 = authenticated("PLAIN");
    expect((await handshake(0, "PLAIN", v0)).errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
    expect(v0.reauthenticating).toBe(false);
    const other = authenticated("PLAIN");
    expect((await handshake(1, "SCRAM-SHA-512", other)).errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
    expect(other.mechanism).toBe("PLAIN");
  });
});
