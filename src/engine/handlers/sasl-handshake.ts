// SaslHandshake: the client names the SASL mechanism it will use in SaslAuthenticate. Answered
// with the mechanisms this broker enables; on a listener without SASL, ILLEGAL_SASL_STATE.
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
  if (session === undefined || session.mechanism !== null || session.authenticated) return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms };
  if (!mechanisms.includes(request.mechanism as SaslMechanism)) return { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms };
  session.mechanism = request.mechanism as SaslMechanism;
  // After v0 (kafka-python 2.0.2), the client sends bare SASL tokens instead of SaslAuthenticate requests.
  session.bareTokens = ctx.apiVersion === 0;
  return { errorCode: ErrorCode.NONE, mechanisms };
};
