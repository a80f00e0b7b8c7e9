// A connection's SASL state on a SASL listener: the mechanism the client chose with
// SaslHandshake, the SCRAM exchange in progress, and, once SaslAuthenticate succeeded, who the
// client is. Until then the connection may only send ApiVersions, SaslHandshake and
// SaslAuthenticate (the dispatcher closes it on anything else, as Kafka does).
// With a session lifetime (KIP-368), an authenticated client must authenticate again on the same
// connection before its session ends: SaslHandshake and SaslAuthenticate once more, as the same
// principal. A request after the end closes the connection.

import type { ScramServerExchange } from "../security/scram.ts";

export const saslMechanisms = ["SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"] as const;
export type SaslMechanism = (typeof saslMechanisms)[number];

export class SaslSession {
  mechanism: SaslMechanism | null = null;
  exchange: ScramServerExchange | null = null;
  /** `User:<name>` once authenticated. */
  principal: string | null = null;
  /** Authentication failed: the connection takes no more requests. */
  failed = false;
  /** A v0 SaslHandshake chose the mechanism: the next frames are bare SASL tokens, not Kafka requests. */
  bareTokens = false;
  /** When the session ends (milliseconds since the epoch), or null when it does not. */
  expiresAtMs: number | null = null;
  /** An authenticated client has started authenticating again (KIP-368): the principal must stay the same. */
  reauthenticating = false;

  /** Whether the session has ended at `nowMs` without being renewed. */
  expired(nowMs: number): boolean {
    return this.expiresAtMs !== null && nowMs >= this.expiresAtMs;
  }

  get authenticated(): boolean {
    return this.principal !== null;
  }
}
