// Test certificates made with openssl: a CA, a server certificate for 127.0.0.1 and localhost,
// client certificates signed by the CA, and one signed by nobody the broker trusts.

import { join } from "node:path";
import { makeTempDir, runOk } from "./harness.ts";

export interface TestCertificates {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  /** Writes a new server certificate (subject CN=`commonName`) and key over the old files. */
  reissueServer(commonName: string): Promise<void>;
  /** A client certificate and key signed by the CA. */
  client(commonName: string): Promise<{ cert: string; key: string }>;
  /** A self-signed client certificate and key the CA did not sign. */
  stranger(commonName: string): Promise<{ cert: string; key: string }>;
}

async function openssl(dir: string, args: string[]): Promise<void> {
  await runOk(["openssl", ...args], { timeoutMs: 30_000, cwd: dir });
}

export async function makeCertificates(): Promise<TestCertificates> {
  const dir = await makeTempDir("certs");
  const path = (name: string) => join(dir, name);
  await openssl(dir, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=chronik-test-ca"]);
  const signed = async (name: string, subject: string, extensions: string) => {
    await openssl(dir, ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject]);
    await Bun.write(path(`${name}.ext`), extensions);
    await openssl(dir, ["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${name}.pem`, "-days", "2", "-extfile", `${name}.ext`]);
  };
  const reissueServer = (commonName: string) => signed("server", `/CN=${commonName}`, "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  await reissueServer("chronik-test-broker");
  return {
    dir,
    caCert: path("ca.pem"),
    serverCert: path("server.pem"),
    serverKey: path("server.key"),
    reissueServer,
    client: async (commonName) => {
      await signed(`client-${commonName}`, `/CN=${commonName}/O=chronik-tests`, "extendedKeyUsage=clientAuth\n");
      return { cert: path(`client-${commonName}.pem`), key: path(`client-${commonName}.key`) };
    },
    stranger: async (commonName) => {
      await openssl(dir, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", `stranger-${commonName}.key`, "-out", `stranger-${commonName}.pem`, "-days", "2", "-subj", `/CN=${commonName}`]);
      return { cert: path(`stranger-${commonName}.pem`), key: path(`stranger-${commonName}.key`) };
    },
  };
}
