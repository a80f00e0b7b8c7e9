import { describe, expect, test } from "bun:test";
import { formatListeners, ListenerConfigError, parseListeners, resolveListeners } from "../../src/engine/listeners.ts";

describe("parseListeners", () => {
  test("Kafka's forms: names are protocols (any case), an empty host, IPv6 in brackets, port 0", () => {
    expect(parseListeners("PLAINTEXT://127.0.0.1:9092, ssl://:9093,SASL_SSL://[::1]:0", "--listeners")).toEqual([
      { name: "PLAINTEXT", host: "127.0.0.1", port: 9092 },
      { name: "SSL", host: "", port: 9093 },
      { name: "SASL_SSL", host: "::1", port: 0 },
    ]);
  });

  test("what cannot be a listener list is refused, naming the entry", () => {
    const refused = (text: string) => {
      try {
        parseListeners(text, "--listeners");
      } catch (error) {
        expect(error).toBeInstanceOf(ListenerConfigError);
        return (error as Error).message;
      }
      throw new Error(`"${text}" was accepted`);
    };
    expect(refused(" , ")).toBe("--listeners is empty: give at least one listener, e.g. PLAINTEXT://127.0.0.1:9092");
    expect(refused("127.0.0.1:9092")).toBe('--listeners: "127.0.0.1:9092" is not NAME://host:port (e.g. SSL://0.0.0.0:9093, PLAINTEXT://[::1]:9092)');
    expect(refused("PLAINTEXT://::1:9092")).toContain("is not NAME://host:port");
    expect(refused("INTERNAL://:9092")).toBe('--listeners: listener "INTERNAL" is not one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL (a listener is named by its security protocol)');
    expect(refused("PLAINTEXT://:70000")).toBe('--listeners: port 70000 of "PLAINTEXT://:70000" is above 65535');
    expect(refused("PLAINTEXT://:9092,PLAINTEXT://:9093")).toBe("--listeners: listener PLAINTEXT is given twice");
    expect(refused("PLAINTEXT://:9092,SSL://:9092")).toBe("--listeners: port 9092 is given to two listeners");
  });
});

describe("resolveListeners", () => {
  const listeners = parseListeners("PLAINTEXT://127.0.0.1:9092,SSL://0.0.0.0:9093", "--listeners");

  test("a listener advertises its own host, or the fallback when it listens everywhere, and its bound port", () => {
    expect(resolveListeners(listeners, [], "broker-1.example.net")).toEqual([
      { name: "PLAINTEXT", host: "127.0.0.1", port: 9092, advertisedHost: "127.0.0.1", advertisedPort: null },
      { name: "SSL", host: "0.0.0.0", port: 9093, advertisedHost: "broker-1.example.net", advertisedPort: null },
    ]);
  });

  test("--advertised-listeners replaces what a listener advertises; it must name a listener, a host and a port", () => {
    const resolved = resolveListeners(listeners, parseListeners("SSL://kafka.example.net:443", "--advertised-listeners"), "localhost");
    expect(resolved[1]).toMatchObject({ advertisedHost: "kafka.example.net", advertisedPort: 443 });
    expect(() => resolveListeners(listeners, parseListeners("SASL_SSL://a:1", "--advertised-listeners"), "x")).toThrow("--advertised-listeners names SASL_SSL, which --listeners does not have");
    expect(() => resolveListeners(listeners, parseListeners("SSL://:9093", "--advertised-listeners"), "x")).toThrow('--advertised-listeners: SSL must name a host and a port clients can reach, not ":9093"');
  });

  test("formatListeners writes Kafka's text, IPv6 in brackets", () => {
    expect(formatListeners([{ name: "PLAINTEXT", host: "::1", port: 9092 }, { name: "SSL", host: "a.example", port: 9093 }])).toBe("PLAINTEXT://[::1]:9092,SSL://a.example:9093");
  });
});
