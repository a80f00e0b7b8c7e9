// SaslAuthenticate: one step of the mechanism chosen with SaslHandshake. PLAIN takes the user
// and password in one step; SCRAM takes two (client-first, then client-final with its proof).
// A failure answers SASL_AUTHENTICATION_FAILED after a short delay (Kafka's
// connection.failed.authentication.delay.ms), is logged once a window per client address, and
// leaves the connection unable to send anything else.
//
// SaslAuthenticate Request (Version: 2) => auth_bytes _tagged_fields
// SaslAuthenticate Response (Version: 2) => error_code error_message auth_bytes session_lifetime_ms _tagged_fields

import { ErrorCode } from "../../protocol/errors.ts";
import type { SaslAuthenticateRequest, SaslAuthenticateResponse } from "../../protocol/messages/sasl-authenticate.ts";
import { decoyCredential, passwordMatchesAsync, ScramError, ScramServerExchange, scramMechanisms } from "../../security/scram.ts";
import { type Handler, type HandlerContext, schedulerOf } from "../handler-context.ts";
import type { SaslSession } from "../sasl-session.ts";

/** How long a failed authentication waits before its answer, to slow down guessing. */
export const failedAuthenticationDelayMs = 100;

const empty = new Uint8Array(0);
const decoder = new TextDecoder("utf-8", { fatal: true });

/** What one step of authentication gives: the bytes to send back, or a failure. */
export type SaslStep = { ok: true; authBytes: Uint8Array; /** The exchange is over: the client is who it said. */ complete: boolean } | { ok: false };

function failed(ctx: HandlerContext, session: SaslSession, reason: string): Promise<SaslStep> {
  session.failed = true;
  session.exchange = null;
  ctx.authFailures?.warn(`sasl ${ctx.clientHost ?? ""}`, "Authentication failed", { client: ctx.clientHost ?? "", mechanism: session.mechanism ?? "", reason });
  return new Promise((resolve) => schedulerOf(ctx).schedule(failedAuthenticationDelayMs, () => resolve({ ok: false })));
}

function succeeded(ctx: HandlerContext, session: SaslSession, user: string, authBytes: Uint8Array): Promise<SaslStep> | SaslStep {
  const principal = `User:${user}`;
  // Kafka's rule: re-authentication may renew the session, not change who the connection is.
  if (session.reauthenticating && principal !== session.principal) return failed(ctx, session, `Re-authentication as "${user}" on a connection of ${session.principal}`);
  session.principal = principal;
  session.exchange = null;
  session.reauthenticating = false;
  const lifetimeMs = ctx.config.saslSessionLifetimeMs;
  session.expiresAtMs = lifetimeMs > 0 ? schedulerOf(ctx).now() + lifetimeMs : null;
  return { ok: true, authBytes, complete: true };
}

/** PLAIN's message is `authzid NUL user NUL password`; an authorization id other than the user is refused. */
async function plain(ctx: HandlerContext, session: SaslSession, bytes: Uint8Array): Promise<SaslStep> {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return failed(ctx, session, "PLAIN message is not UTF-8");
  }
  const parts = text.split("\u0000");
  if (parts.length !== 3 || parts[1] === "") return failed(ctx, session, "Malformed PLAIN message");
  const [authorizationId, user, password] = parts;
  if (authorizationId !== "" && authorizationId !== user) return failed(ctx, session, "A PLAIN authorization id other than the user is not supported");
  // Any SCRAM credential of the user checks the password; an unknown user costs the same check.
  for (const mechanism of scramMechanisms) {
    const credential = ctx.users?.credential(user, mechanism);
    if (credential !== undefined) return (await passwordMatchesAsync(mechanism, credential, password)) ? succeeded(ctx, session, user, empty) : failed(ctx, session, `Wrong password for user "${user}"`);
  }
  await passwordMatchesAsync("SCRAM-SHA-512", decoyCredential("SCRAM-SHA-512", user), password);
  return failed(ctx, session, `Unknown user "${user}"`);
}

function scram(ctx: HandlerContext, session: SaslSession, bytes: Uint8Array): Promise<SaslStep> | SaslStep {
  const mechanism = session.mechanism as (typeof scramMechanisms)[number];
  try {
    const message = decoder.decode(bytes);
    if (session.exchange === null) {
      session.exchange = new ScramServerExchange(mechanism, (user) => ctx.users?.credential(user, mechanism));
      return { ok: true, authBytes: new TextEncoder().encode(session.exchange.first(message)), complete: false };
    }
    const { serverFinal, user } = session.exchange.final(message);
    return succeeded(ctx, session, user, new TextEncoder().encode(serverFinal));
  } catch (error) {
    if (error instanceof ScramError || error instanceof TypeError) return failed(ctx, session, (error as Error).message);
    throw error;
  }
}

/** One step of the mechanism the session chose with SaslHandshake (for SaslAuthenticate, and the bare tokens after a v0 handshake). */
export function authenticationStep(ctx: HandlerContext, session: SaslSession, bytes: Uint8Array): Promise<SaslStep> | SaslStep {
  return session.mechanism === "PLAIN" ? plain(ctx, session, bytes) : scram(ctx, session, bytes);
}

export const handleSaslAuthenticate: Handler<SaslAuthenticateRequest, SaslAuthenticateResponse> = async (request, ctx) => {
  const session = ctx.sasl;
  if (session === undefined || session.mechanism === null || (session.authenticated && !session.reauthenticating) || session.failed || session.bareTokens) {
    return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage: "SaslAuthenticate needs a SaslHandshake v1 first, on a SASL listener, once per authentication", authBytes: empty, sessionLifetimeMs: 0 };
  }
  const step = await authenticationStep(ctx, session, request.authBytes);
  // The lifetime tells a v1+ client when to authenticate again (KIP-368); 0: the session does not end.
  if (step.ok) return { errorCode: ErrorCode.NONE, errorMessage: null, authBytes: step.authBytes, sessionLifetimeMs: step.complete && session.expiresAtMs !== null ? session.expiresAtMs - schedulerOf(ctx).now() : 0 };
  const errorMessage = `Authentication failed during authentication due to invalid credentials with SASL mechanism ${session.mechanism}`;
  return { errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage, authBytes: empty, sessionLifetimeMs: 0 };
};
