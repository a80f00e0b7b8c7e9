import { describe, expect, test } from "bun:test";
import { makeScramCredential, passwordMatches, ScramError, ScramServerExchange } from "../../src/security/scram.ts";

// RFC 7677, section 3: user "user", password "pencil".
const rfc7677 = {
  clientFirst: "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
  serverNonce: "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
  salt: Buffer.from("W22ZaJ0SNY7soEsUEjb6gQ==", "base64"),
  serverFirst: "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
  clientFinal: "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
  serverFinal: "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
};

describe("SCRAM-SHA-256, RFC 7677's example", () => {
  const credential = makeScramCredential("SCRAM-SHA-256", "pencil", 4096, rfc7677.salt);

  test("the server's messages are the RFC's, byte for byte", () => {
    const exchange = new ScramServerExchange("SCRAM-SHA-256", (user) => (user === "user" ? credential : undefined), rfc7677.serverNonce);
    expect(exchange.first(rfc7677.clientFirst)).toBe(rfc7677.serverFirst);
    expect(exchange.final(rfc7677.clientFinal)).toEqual({ serverFinal: rfc7677.serverFinal, user: "user" });
  });

  test("a wrong proof, a wrong nonce, an unknown user fail", () => {
    const wrongProof = rfc7677.clientFinal.replace(/p=.*/, "p=" + Buffer.alloc(32, 7).toString("base64"));
    const exchange = () => {
      const started = new ScramServerExchange("SCRAM-SHA-256", (user) => (user === "user" ? credential : undefined), rfc7677.serverNonce);
      started.first(rfc7677.clientFirst);
      return started;
    };
    expect(() => exchange().final(wrongProof)).toThrow('Wrong password for user "user"');
    expect(() => exchange().final(rfc7677.clientFinal.replace("r=rOpr", "r=xOpr"))).toThrow("The nonce does not match");
    const stranger = new ScramServerExchange("SCRAM-SHA-256", () => undefined, rfc7677.serverNonce);
    // The unknown user gets a server-first too, with a made-up salt: the answer does not tell.
    expect(stranger.first(rfc7677.clientFirst)).toMatch(/^r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj\)hNlF\$k0,s=[A-Za-z0-9+/=]+,i=4096$/);
    expect(() => stranger.final(rfc7677.clientFinal)).toThrow('Unknown user "user"');
  });

  test("malformed messages are refused with a reason", () => {
    const exchange = () => new ScramServerExchange("SCRAM-SHA-256", () => credential);
    expect(() => exchange().first("garbage")).toThrow(ScramError);
    expect(() => exchange().first("p=tls-unique,,n=user,r=abc")).toThrow("Channel binding is not supported");
    expect(() => exchange().first("n,a=admin,n=user,r=abc")).toThrow("An authorization identity is not supported");
    expect(() => exchange().first("n,,n=us=er,r=abc")).toThrow('Malformed user name "us=er"');
    expect(() => exchange().first("n,,n=user,r=abc,tokenauth=true")).toThrow("Delegation tokens are not supported");
    expect(() => exchange().final("c=biws,r=x,p=abc")).toThrow("The client-final message came before the client-first");
  });
});

describe("credentials", () => {
  test("a PLAIN password is checked against the SCRAM credential; the credential does not hold the password", () => {
    for (const mechanism of ["SCRAM-SHA-256", "SCRAM-SHA-512"] as const) {
      const credential = makeScramCredential(mechanism, "s3cret", 4096);
      expect(passwordMatches(mechanism, credential, "s3cret")).toBe(true);
      expect(passwordMatches(mechanism, credential, "s3cret!")).toBe(false);
      expect(Buffer.from(credential.storedKey).includes(Buffer.from("s3cret"))).toBe(false);
      expect(credential.storedKey.length).toBe(mechanism === "SCRAM-SHA-256" ? 32 : 64);
    }
  });

  test("iterations outside Kafka's bounds are refused", () => {
    expect(() => makeScramCredential("SCRAM-SHA-512", "x", 100)).toThrow("Iterations must be from 4096 to 16384, not 100");
  });
});

describe("what real clients send", () => {
  test("librdkafka's client-final repeats its nonce before the server's combined one; Kafka accepts that, and so does chronik", async () => {
    const { createHash, createHmac, pbkdf2Sync } = await import("node:crypto");
    const credential = makeScramCredential("SCRAM-SHA-512", "wonderland");
    const exchange = new ScramServerExchange("SCRAM-SHA-512", () => credential, "SERVERNONCE");
    const serverFirst = exchange.first("n,,n=alice,r=CLIENTNONCE");
    // The client's side, as librdkafka computes it: r = its nonce + the server's r.
    const withoutProof = `c=biws,r=CLIENTNONCE${serverFirst.split(",")[0].slice(2)}`;
    const salted = pbkdf2Sync("wonderland", credential.salt, credential.iterations, 64, "sha512");
    const clientKey = createHmac("sha512", salted).update("Client Key").digest();
    const signature = createHmac("sha512", createHash("sha512").update(clientKey).digest()).update(`n=alice,r=CLIENTNONCE,${serverFirst},${withoutProof}`).digest();
    const proof = Buffer.from(clientKey.map((byte, i) => byte ^ signature[i]));
    expect(exchange.final(`${withoutProof},p=${proof.toString("base64")}`).user).toBe("alice");
  });
});

describe("users that do not exist", () => {
  test("get the same salt every time, a different one per name, and no key derivation", async () => {
    const { decoyCredential } = await import("../../src/security/scram.ts");
    const first = decoyCredential("SCRAM-SHA-512", "mallory");
    expect(Buffer.from(decoyCredential("SCRAM-SHA-512", "mallory").salt).equals(Buffer.from(first.salt))).toBe(true);
    expect(Buffer.from(decoyCredential("SCRAM-SHA-512", "trudy").salt).equals(Buffer.from(first.salt))).toBe(false);
    expect(first.iterations).toBe(4096);
  });

  test("the async password check agrees with the sync one", async () => {
    const { passwordMatchesAsync } = await import("../../src/security/scram.ts");
    const credential = makeScramCredential("SCRAM-SHA-256", "pencil");
    expect(await passwordMatchesAsync("SCRAM-SHA-256", credential, "pencil")).toBe(true);
    expect(await passwordMatchesAsync("SCRAM-SHA-256", credential, "pen")).toBe(false);
  });
});

describe("ScramClientExchange", () => {
  test("the client's messages are RFC 7677's, byte for byte, and it checks the server's signature", async () => {
    const { ScramClientExchange } = await import("../../src/security/scram.ts");
    const client = new ScramClientExchange("SCRAM-SHA-256", "user", "pencil", "rOprNGfwEbeRWgbNEkqO");
    expect(client.first()).toBe(rfc7677.clientFirst);
    expect(client.final(rfc7677.serverFirst)).toBe(rfc7677.clientFinal);
    expect(() => client.verify(rfc7677.serverFinal)).not.toThrow();
    expect(() => client.verify("v=" + Buffer.alloc(32).toString("base64"))).toThrow("The server's signature does not match");
    expect(() => new ScramClientExchange("SCRAM-SHA-256", "user", "pencil", "abc").final("r=xyz,s=c2FsdA==,i=4096")).toThrow("The server's nonce does not extend the client's");
  });

  test("client and server agree, with a user name that needs escaping", async () => {
    const { ScramClientExchange } = await import("../../src/security/scram.ts");
    const credential = makeScramCredential("SCRAM-SHA-512", "s3cret");
    const server = new ScramServerExchange("SCRAM-SHA-512", (user) => (user === "a,b=c" ? credential : undefined));
    const client = new ScramClientExchange("SCRAM-SHA-512", "a,b=c", "s3cret");
    const { serverFinal, user } = server.final(client.final(server.first(client.first())));
    expect(user).toBe("a,b=c");
    expect(() => client.verify(serverFinal)).not.toThrow();
  });
});
