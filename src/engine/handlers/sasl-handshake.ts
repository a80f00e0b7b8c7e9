// SaslHandshake: the client names the SASL mechanism it will use in SaslAuthenticate. Answered
// with the mechanisms this broker enables; on a listener without SASL, ILLEGAL_SASL_STATE. On an
// authenticated connection it starts re-authentication (KIP-368), with the same mechanism.
//
// SaslHandshake Request (Version: 1) => mechanism
// SaslHandshake Response (Version: 1) => error_code [mechanisms]

import { ErrorCode } from "../../protocol/errors.ts";
import type { SaslHandshakeRequest, SaslHandshakeResponse } from "../../protocol/messages/sasl-handshake.ts";
import type { Handler } from "../handler-context.ts";
import type { SaslMechanism } from "../sasl-session.ts";

export const handleSaslHandshake: Handler<SaslHandshakeRequest, SaslHandshakeResponse> = async (request, ctx) => {
  const session = ctx.sasl;
  const mechanisms = [...(ctx.saslMechanisms ?? [])];
  if (session === undefined) return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms };
  // Re-authentication (KIP-368) starts with a v1 handshake on an authenticated connection, naming the same mechanism.
  if (session.authenticated) {
    if (ctx.apiVersion < 1 || session.reauthenticating || request.mechanism !== session.mechanism) return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms };
    session.reauthenticating = true;
    session.exchange = null;
    return { errorCode: ErrorCode.NONE, mechanisms };
  }
  if (session.mechanism !== null) return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms };
  if (!mechanisms.includes(request.mechanism as SaslMechanism)) return { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms };
  session.mechanism = request.mechanism as SaslMechanism;
  // After v0 (kafka-python 2.0.2), the client sends bare SASL tokens instead of SaslAuthenticate requests.
  session.bareTokens = ctx.apiVersion === 0;
  return { errorCode: ErrorCode.NONE, mechanisms };
};
