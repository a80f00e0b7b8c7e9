// What the transaction handlers share: the coordinator from the context, and Kafka's rule that
// clients older than KIP-588 are told INVALID_PRODUCER_EPOCH where newer ones get PRODUCER_FENCED.

import { ErrorCode } from "../../protocol/errors.ts";

/** PRODUCER_FENCED for request versions that know it (`fencedFrom` and later), INVALID_PRODUCER_EPOCH before. */
export function fencedFor(errorCode: number, version: number, fencedFrom: number): number {
  return errorCode === ErrorCode.PRODUCER_FENCED && version < fencedFrom ? ErrorCode.INVALID_PRODUCER_EPOCH : errorCode;
}
