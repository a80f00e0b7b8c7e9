// The principal of a TLS client certificate, as Kafka's default principal builder names it:
// `User:` and the subject's distinguished name in RFC 2253 form (most specific part first,
// `User:CN=alice,OU=ops,O=Acme\, Inc,C=DE`), which is what ACLs and --super-users name.

/** `subject` is Node's X509Certificate.subject: one `KEY=value` per line, in certificate order, commas escaped. */
export function certificatePrincipal(subject: string): string {
  const parts = subject.split("\n").filter((part) => part !== "");
  return `User:${parts.reverse().join(",")}`;
}
