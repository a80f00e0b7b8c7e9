import { expect, test } from "bun:test";
import { certificatePrincipal } from "../../src/security/tls-principal.ts";

test("a certificate's subject becomes Kafka's RFC 2253 principal, most specific part first", () => {
  expect(certificatePrincipal("C=DE\nO=Acme\\, Inc\nOU=ops\nCN=alice")).toBe("User:CN=alice,OU=ops,O=Acme\\, Inc,C=DE");
  expect(certificatePrincipal("CN=bob")).toBe("User:CN=bob");
});
