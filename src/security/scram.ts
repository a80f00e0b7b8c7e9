// SCRAM (RFC 5802, with SHA-256 and SHA-512 as RFC 7677 and Kafka's KIP-84 use them): the salted
// credentials a broker stores instead of passwords, and the server's side of the exchange. A
// PLAIN password is checked against the same credential, so one store serves both mechanisms.

import { createHash, createHmac, pbkdf2, pbkdf2Sync, randomBytes, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";

const pbkdf2Async = promisify(pbkdf2);

export const scramMechanisms = ["SCRAM-SHA-256", "SCRAM-SHA-512"] as const;
export type ScramMechanism = (typeof scramMechanisms)[number];

/** How DescribeUserScramCredentials and AlterUserScramCredentials name a mechanism (Kafka's ScramMechanism; 0 is UNKNOWN). */
export const scramMechanismCodes = { "SCRAM-SHA-256": 1, "SCRAM-SHA-512": 2 } as const satisfies Record<ScramMechanism, number>;

/** The mechanism of a protocol code, or undefined for UNKNOWN (0) and codes Kafka does not define. */
export function scramMechanismOfCode(code: number): ScramMechanism | undefined {
  return scramMechanisms.find((mechanism) => scramMechanismCodes[mechanism] === code);
}

/** Kafka's bounds on SCRAM iterations. */
export const scramIterationsMin = 4096;
export const scramIterationsMax = 16_384;

export interface ScramCredential {
  salt: Uint8Array;
  iterations: number;
  storedKey: Uint8Array;
  serverKey: Uint8Array;
}

/** Authentication failed; the message says why, for the broker's log (the client is told less). */
export class ScramError extends Error {
  override name = "ScramError";
}

const hashOf = { "SCRAM-SHA-256": "sha256", "SCRAM-SHA-512": "sha512" } as const;
/** The length of the mechanism's hash, and so of its salted password and keys. */
export const scramHashBytes = { "SCRAM-SHA-256": 32, "SCRAM-SHA-512": 64 } as const;

function hmac(mechanism: ScramMechanism, key: Uint8Array, text: string): Buffer {
  return createHmac(hashOf[mechanism], key).update(text).digest();
}

function hash(mechanism: ScramMechanism, data: Uint8Array): Buffer {
  return createHash(hashOf[mechanism]).update(data).digest();
}

/** SaltedPassword of RFC 5802: PBKDF2 of the password. AlterUserScramCredentials carries this, never the password. */
export function scramSaltedPassword(mechanism: ScramMechanism, password: string, options: { salt: Uint8Array; iterations: number }): Buffer {
  return pbkdf2Sync(password.normalize("NFKC"), options.salt, options.iterations, scramHashBytes[mechanism], hashOf[mechanism]);
}

/** Bytes of the random salt chronik makes for a new credential (as Kafka's ScramFormatter). */
export const scramSaltBytes = 32;

/** The credential of a salted password: StoredKey = H(HMAC(SaltedPassword, "Client Key")), ServerKey = HMAC(SaltedPassword, "Server Key"). */
export function scramCredentialOfSaltedPassword(mechanism: ScramMechanism, options: { saltedPassword: Uint8Array; salt: Uint8Array; iterations: number }): ScramCredential {
  const { saltedPassword, salt, iterations } = options;
  return {
    salt,
    iterations,
    storedKey: hash(mechanism, hmac(mechanism, saltedPassword, "Client Key")),
    serverKey: hmac(mechanism, saltedPassword, "Server Key"),
  };
}

/** The credential to store for `password`: a random salt, and keys from which the password cannot be recovered. */
export function makeScramCredential(mechanism: ScramMechanism, password: string, iterations = scramIterationsMin, salt: Uint8Array = randomBytes(scramSaltBytes)): ScramCredential {
  if (!Number.isInteger(iterations) || iterations < scramIterationsMin || iterations > scramIterationsMax) {
    throw new ScramError(`Iterations must be from ${scramIterationsMin} to ${scramIterationsMax}, not ${iterations}`);
  }
  return scramCredentialOfSaltedPassword(mechanism, { saltedPassword: scramSaltedPassword(mechanism, password, { salt, iterations }), salt, iterations });
}

/** Whether `password` is the one `credential` was made from (for PLAIN). */
export function passwordMatches(mechanism: ScramMechanism, credential: ScramCredential, password: string): boolean {
  const salted = scramSaltedPassword(mechanism, password, credential);
  return timingSafeEqual(hash(mechanism, hmac(mechanism, salted, "Client Key")), credential.storedKey);
}

/** passwordMatches with the key derivation on the thread pool: many PLAIN logins do not stall the event loop. */
export async function passwordMatchesAsync(mechanism: ScramMechanism, credential: ScramCredential, password: string): Promise<boolean> {
  const salted = await pbkdf2Async(password.normalize("NFKC"), credential.salt, credential.iterations, scramHashBytes[mechanism], hashOf[mechanism]);
  return timingSafeEqual(hash(mechanism, hmac(mechanism, salted, "Client Key")), credential.storedKey);
}

/** A secret of this process, for made-up credentials of users that do not exist. */
const decoySecret = randomBytes(32);

/**
 * A credential for a user that does not exist: the same salt every time for the same name (as a
 * real user's would be), keys no password matches, and no key derivation to pay for.
 */
export function decoyCredential(mechanism: ScramMechanism, user: string): ScramCredential {
  const salt = createHmac("sha256", decoySecret).update(`${mechanism}\u0000${user}`).digest();
  return { salt, iterations: scramIterationsMin, storedKey: randomBytes(scramHashBytes[mechanism]), serverKey: randomBytes(scramHashBytes[mechanism]) };
}

/** A SCRAM user name: `=2C` is a comma and `=3D` an equals sign; any other `=` is malformed. */
function decodeSaslName(text: string): string {
  if (/=(?!2C|3D)/.test(text)) throw new ScramError(`Malformed user name "${text}"`);
  return text.replace(/=2C/g, ",").replace(/=3D/g, "=");
}

/** The `key=value` attributes of a SCRAM message, in order. */
function attributes(message: string): Array<[string, string]> {
  return message.split(",").map((part) => {
    const equals = part.indexOf("=");
    // RFC 5802's attributes are one letter; Kafka's extensions (tokenauth=true) are words.
    if (equals < 1 || !/^[A-Za-z][A-Za-z0-9]*$/.test(part.slice(0, equals))) throw new ScramError(`Malformed SCRAM attribute "${part}"`);
    return [part.slice(0, equals), part.slice(equals + 1)];
  });
}

/**
 * The server's side of one SCRAM exchange: `first` takes the client-first message and answers
 * with the server-first; `final` takes the client-final, checks the proof, and answers with the
 * server-final. A user without a credential goes through the same steps with a made-up one, so
 * the answer does not tell whether the user exists.
 */
export class ScramServerExchange {
  readonly #mechanism: ScramMechanism;
  readonly #lookup: (user: string) => ScramCredential | undefined;
  readonly #serverNonce: string;
  #state: { user: string; credential: ScramCredential; known: boolean; clientFirstBare: string; serverFirst: string; nonce: string; gs2Header: string } | null = null;

  constructor(mechanism: ScramMechanism, lookup: (user: string) => ScramCredential | undefined, serverNonce = randomBytes(24).toString("base64url")) {
    this.#mechanism = mechanism;
    this.#lookup = lookup;
    this.#serverNonce = serverNonce;
  }

  first(clientFirst: string): string {
    if (this.#state !== null) throw new ScramError("The client-first message came twice");
    const match = /^([ny]|p=[^,]*),([^,]*),(.*)$/.exec(clientFirst);
    if (match === null) throw new ScramError("Malformed client-first message");
    if (match[1].startsWith("p=")) throw new ScramError("Channel binding is not supported");
    if (match[2] !== "") throw new ScramError("An authorization identity is not supported");
    const clientFirstBare = match[3];
    const fields = attributes(clientFirstBare);
    if (fields[0]?.[0] !== "n" || fields[1]?.[0] !== "r" || fields[1][1] === "") throw new ScramError("The client-first message needs a user name and a nonce");
    for (const [key] of fields.slice(2)) {
      // Kafka's tokenauth extension authenticates a delegation token, which chronik does not issue.
      if (key === "tokenauth") throw new ScramError("Delegation tokens are not supported");
      if (key === "m") throw new ScramError("A mandatory SCRAM extension is not supported");
    }
    const user = decodeSaslName(fields[0][1]);
    const stored = this.#lookup(user);
    const credential = stored ?? decoyCredential(this.#mechanism, user);
    const nonce = fields[1][1] + this.#serverNonce;
    const serverFirst = `r=${nonce},s=${Buffer.from(credential.salt).toString("base64")},i=${credential.iterations}`;
    this.#state = { user, credential, known: stored !== undefined, clientFirstBare, serverFirst, nonce, gs2Header: `${match[1]},${match[2]},` };
    return serverFirst;
  }

  /** Checks the client's proof; returns the server-final message and the authenticated user. */
  final(clientFinal: string): { serverFinal: string; user: string } {
    const state = this.#state;
    if (state === null) throw new ScramError("The client-final message came before the client-first");
    const proofAt = clientFinal.lastIndexOf(",p=");
    if (proofAt < 0) throw new ScramError("The client-final message has no proof");
    const withoutProof = clientFinal.slice(0, proofAt);
    const fields = new Map(attributes(withoutProof));
    if (fields.get("c") !== Buffer.from(state.gs2Header).toString("base64")) throw new ScramError("The channel binding does not match the client-first message");
    // Kafka accepts a nonce that ends with the server's: librdkafka sends its own nonce before the
    // server's combined one. The proof covers the message as sent either way.
    if (!(fields.get("r") ?? "").endsWith(state.nonce)) throw new ScramError("The nonce does not match");
    const proof = Buffer.from(clientFinal.slice(proofAt + 3), "base64");
    const { credential } = state;
    const authMessage = `${state.clientFirstBare},${state.serverFirst},${withoutProof}`;
    const clientSignature = hmac(this.#mechanism, credential.storedKey, authMessage);
    if (proof.length !== clientSignature.length) throw new ScramError(`Wrong password for user "${state.user}"`);
    const clientKey = Buffer.alloc(proof.length);
    for (let i = 0; i < proof.length; i++) clientKey[i] = proof[i] ^ clientSignature[i];
    const matches = timingSafeEqual(hash(this.#mechanism, clientKey), credential.storedKey);
    if (!state.known) throw new ScramError(`Unknown user "${state.user}"`);
    if (!matches) throw new ScramError(`Wrong password for user "${state.user}"`);
    return { serverFinal: `v=${hmac(this.#mechanism, credential.serverKey, authMessage).toString("base64")}`, user: state.user };
  }
}

/** A SCRAM user name as the protocol writes it: `,` as `=2C` and `=` as `=3D`. */
function encodeSaslName(text: string): string {
  return text.replace(/=/g, "=3D").replace(/,/g, "=2C");
}

/** The client's side of one SCRAM exchange (chronik's own client commands). */
export class ScramClientExchange {
  readonly #mechanism: ScramMechanism;
  readonly #password: string;
  readonly #clientFirstBare: string;
  readonly #clientNonce: string;
  #expectedServerSignature: string | null = null;

  constructor(mechanism: ScramMechanism, user: string, password: string, clientNonce = randomBytes(24).toString("base64url")) {
    this.#mechanism = mechanism;
    this.#password = password;
    this.#clientNonce = clientNonce;
    this.#clientFirstBare = `n=${encodeSaslName(user)},r=${clientNonce}`;
  }

  first(): string {
    return `n,,${this.#clientFirstBare}`;
  }

  /** The client-final message for the server-first one. */
  final(serverFirst: string): string {
    const fields = new Map(attributes(serverFirst));
    const nonce = fields.get("r") ?? "";
    const salt = Buffer.from(fields.get("s") ?? "", "base64");
    const iterations = Number(fields.get("i"));
    if (!nonce.startsWith(this.#clientNonce) || nonce.length === this.#clientNonce.length) throw new ScramError("The server's nonce does not extend the client's");
    if (salt.length === 0 || !Number.isInteger(iterations) || iterations < scramIterationsMin || iterations > scramIterationsMax * 16) throw new ScramError("The server-first message has no usable salt or iteration count");
    const salted = scramSaltedPassword(this.#mechanism, this.#password, { salt, iterations });
    const clientKey = hmac(this.#mechanism, salted, "Client Key");
    const withoutProof = `c=biws,r=${nonce}`;
    const authMessage = `${this.#clientFirstBare},${serverFirst},${withoutProof}`;
    const signature = hmac(this.#mechanism, hash(this.#mechanism, clientKey), authMessage);
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i] ^ signature[i];
    this.#expectedServerSignature = hmac(this.#mechanism, hmac(this.#mechanism, salted, "Server Key"), authMessage).toString("base64");
    return `${withoutProof},p=${proof.toString("base64")}`;
  }

  /** Checks the server-final message: the server proves it knows the credential too. */
  verify(serverFinal: string): void {
    const fields = new Map(attributes(serverFinal));
    if (fields.has("e")) throw new ScramError(`The server refused: ${fields.get("e")}`);
    if (this.#expectedServerSignature === null || fields.get("v") !== this.#expectedServerSignature) throw new ScramError("The server's signature does not match: it does not know this user's credential");
  }
}
