// RecordBatch v2 in one import: decode (consumers, indexer, tools), build (producers) and
// append validation (the broker's produce path). Each lives in its own file.

export { buildRecordBatch, type BuildBatchInput, type RecordInput } from "./build-batch.ts";
export {
  decodeRecordBatches,
  decompressedBytesMaxDefault,
  TimestampType,
  type DecodedBatch,
  type DecodedBatches,
  type DecodedRecord,
  type DecodeOptions,
} from "./decode-batches.ts";
export { CompressionCodec } from "./compression/index.ts";
export { CompressionError, CorruptRecordError, DecompressedSizeError, RecordsErrorCode, UnsupportedMagicError } from "./errors.ts";
export type { Record, RecordHeader } from "./record.ts";
export { correctMaxTimestamps, validateBatchesForAppend, type BatchLimits, type BatchValidation, type ValidatedBatch } from "./validate-batches.ts";
