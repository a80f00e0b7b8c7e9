// A connection's SASL state on a SASL listener: the mechanism the client chose with
// SaslHandshake, the SCRAM exchange in progress, and, once SaslAuthenticate succeeded, who the
// client is. Until then the connection may only send ApiVersions, SaslHandshake and
// SaslAuthenticate (the dispatcher closes it on anything else, as Kafka does).

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

  get authenticated(): boolean {
    return this.principal !== null;
  }
}
