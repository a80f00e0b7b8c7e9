// Errors the client raises besides the Kafka error codes a broker answers with (those are
// KafkaProtocolError from src/protocol/errors.ts). Each says whether trying again may help.

/** The connection to a broker failed, closed or timed out; another attempt (maybe elsewhere) may work. */
export class ConnectionError extends Error {
  override name = "ConnectionError";
  readonly retriable = true;
}

/** No version of an API is spoken by both the client and the broker. */
export class UnsupportedApiError extends Error {
  override name = "UnsupportedApiError";
  readonly retriable = false;
}

/** The client was used wrongly or given input it cannot act on (unknown topic, bad partition). */
export class ClientError extends Error {
  override name = "ClientError";
  readonly retriable = false;
}

/** True for errors another attempt may cure: retriable Kafka codes and connection failures. */
export function isRetriableError(error: unknown): boolean {
  return typeof error === "object" && error !== null && "retriable" in error && error.retriable === true;
}

/** A producer batch failed for good; the message names the topic, partition and cause. */
export class DeliveryError extends Error {
  override name = "DeliveryError";
  readonly retriable = false;
}
