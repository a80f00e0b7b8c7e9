// HTTP Basic authentication (RFC 7617) against the users SASL authenticates: the password is
// checked against the user's SCRAM-SHA-512 credential (else its SCRAM-SHA-256 one), as a PLAIN
// login is. Deriving the key costs milliseconds, and a browser or a script sends the same
// credentials with every request, so recent successes are remembered for a short while; a
// remembered success counts only while the user's stored credential is still the one it was
// checked against (a reload or a new password forgets it). A failure waits before its answer, as
// SASL's does, and is logged once a window per client address.

import { createHmac, randomBytes } from "node:crypto";
import { failedAuthenticationDelayMs } from "../engine/handlers/sasl-authenticate.ts";
import type { WarningLimiter } from "../logger.ts";
import { decoyCredential, passwordMatchesAsync, type ScramCredential, type ScramMechanism } from "../security/scram.ts";

/** Where credentials come from (the broker's UserStore). */
export interface CredentialSource {
  credential(user: string, mechanism: ScramMechanism): ScramCredential | undefined;
}

/** What a request's credentials come to: a user, none given, or a refusal (with the user it named, maybe ""). */
export type BasicOutcome = { kind: "authenticated"; user: string } | { kind: "missing" } | { kind: "refused"; user: string };

/** Successful checks remembered at most; the oldest is forgotten first. */
export const verifiedEntriesMax = 1024;
/** How long a successful check is remembered. */
export const verifiedTtlMs = 60_000;
/** Longest Authorization header value looked at; longer ones are refused without a key derivation. */
export const authorizationBytesMax = 4096;

/** The mechanisms whose credential checks a password, preferred first. */
const mechanismsPreferred: readonly ScramMechanism[] = ["SCRAM-SHA-512", "SCRAM-SHA-256"];
const utf8 = new TextDecoder("utf-8", { fatal: true });

export interface BasicAuthenticatorOptions {
  users: CredentialSource;
  /** Milliseconds since the epoch (injected so tests can move time). */
  clock: () => number;
  /** Where failures are logged, once a window per client address. */
  failures: WarningLimiter;
  /** Waits before a failure's answer (setTimeout unless told). */
  delay?: (ms: number) => Promise<void>;
  /** The key derivation (passwordMatchesAsync unless told; tests count its calls). */
  verify?: (mechanism: ScramMechanism, credential: ScramCredential, password: string) => Promise<boolean>;
  /** Milliseconds a failure waits: SASL's failedAuthenticationDelayMs unless told. */
  failureDelayMs?: number;
  verifiedEntriesMax?: number;
  verifiedTtlMs?: number;
}

interface Verified {
  user: string;
  /** The credential the password was checked against (see fingerprint). */
  fingerprint: string;
  expiresAtMs: number;
}

/** Identifies a stored credential: a new password or a reloaded file with other keys differs. */
function fingerprint(mechanism: ScramMechanism, credential: ScramCredential): string {
  return `${mechanism} ${credential.iterations} ${Buffer.from(credential.salt).toString("base64")} ${Buffer.from(credential.storedKey).toString("base64")}`;
}

/** `Basic base64(user:password)`, or "missing" for no header or another scheme, or null when malformed. */
export function parseBasicAuthorization(header: string | null): { user: string; password: string } | "missing" | null {
  if (header === null) return "missing";
  const match = /^\s*(\S+)\s*(.*?)\s*$/s.exec(header);
  if (match === null || match[1].toLowerCase() !== "basic") return "missing";
  if (header.length > authorizationBytesMax || !/^[A-Za-z0-9+/]*={0,2}$/.test(match[2])) return null;
  let text: string;
  try {
    text = utf8.decode(Buffer.from(match[2], "base64"));
  } catch {
    return null;
  }
  const colon = text.indexOf(":");
  if (colon < 0) return null;
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

export class BasicAuthenticator {
  readonly #options: BasicAuthenticatorOptions;
  readonly #delay: (ms: number) => Promise<void>;
  readonly #verify: NonNullable<BasicAuthenticatorOptions["verify"]>;
  readonly #entriesMax: number;
  readonly #ttlMs: number;
  /** Keyed by an HMAC of user and password under a secret of this process; insertion order is age order. */
  readonly #verified = new Map<string, Verified>();
  readonly #cacheSecret = randomBytes(32);

  constructor(options: BasicAuthenticatorOptions) {
    this.#options = options;
    this.#delay = options.delay ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#verify = options.verify ?? passwordMatchesAsync;
    this.#entriesMax = options.verifiedEntriesMax ?? verifiedEntriesMax;
    this.#ttlMs = options.verifiedTtlMs ?? verifiedTtlMs;
  }

  /** How many successful checks are remembered now. */
  get rememberedCount(): number {
    return this.#verified.size;
  }

  /** Checks the request's Authorization header; `clientHost` keys the failure log. */
  async authenticate(authorization: string | null, clientHost: string): Promise<BasicOutcome> {
    const parsed = parseBasicAuthorization(authorization);
    if (parsed === "missing") return { kind: "missing" };
    if (parsed === null) return await this.#refuse(clientHost, "", "Malformed Basic credentials");
    const { user, password } = parsed;
    const current = this.#credentialOf(user);
    // The user's length first: no other user and password give the same text.
    const key = createHmac("sha256", this.#cacheSecret).update(`${user.length}:${user}:${password}`).digest("base64");
    const now = this.#options.clock();
    const remembered = this.#verified.get(key);
    if (remembered !== undefined) {
      this.#verified.delete(key);
      const stillValid = remembered.user === user && remembered.expiresAtMs > now && current !== undefined && remembered.fingerprint === fingerprint(current.mechanism, current.credential);
      if (stillValid) {
        this.#verified.set(key, remembered);
        return { kind: "authenticated", user };
      }
    }
    if (current === undefined) {
      // An unknown user costs the same key derivation, so timing does not tell which names exist.
      await this.#verify("SCRAM-SHA-512", decoyCredential("SCRAM-SHA-512", user), password);
      return await this.#refuse(clientHost, user, `Unknown user "${user}"`);
    }
    if (!(await this.#verify(current.mechanism, current.credential, password))) return await this.#refuse(clientHost, user, `Wrong password for user "${user}"`);
    this.#remember(key, { user, fingerprint: fingerprint(current.mechanism, current.credential), expiresAtMs: now + this.#ttlMs });
    return { kind: "authenticated", user };
  }

  #credentialOf(user: string): { mechanism: ScramMechanism; credential: ScramCredential } | undefined {
    for (const mechanism of mechanismsPreferred) {
      const credential = this.#options.users.credential(user, mechanism);
      if (credential !== undefined) return { mechanism, credential };
    }
    return undefined;
  }

  #remember(key: string, entry: Verified): void {
    while (this.#verified.size >= this.#entriesMax) this.#verified.delete(this.#verified.keys().next().value!);
    this.#verified.set(key, entry);
  }

  async #refuse(clientHost: string, user: string, reason: string): Promise<BasicOutcome> {
    this.#options.failures.warn(`http ${clientHost}`, "HTTP authentication failed", { client: clientHost, reason });
    await this.#delay(this.#options.failureDelayMs ?? failedAuthenticationDelayMs);
    return { kind: "refused", user };
  }
}
