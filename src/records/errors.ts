// Errors raised while decoding record batches. Each carries the Kafka error code a
// broker would answer with, so callers can turn them into a response without a lookup.

/** Kafka error codes the records layer reports (values from Kafka's Errors.java). */
export const RecordsErrorCode = {
  corruptMessage: 2,
  messageTooLarge: 10,
  unsupportedForMessageFormat: 43,
  invalidRecord: 87,
} as const;

export type RecordsErrorCode = (typeof RecordsErrorCode)[keyof typeof RecordsErrorCode];

/** A batch is torn, lies about its sizes, fails its CRC or does not parse. */
export class CorruptRecordError extends Error {
  override name = "CorruptRecordError";
  readonly errorCode: RecordsErrorCode = RecordsErrorCode.corruptMessage;
  readonly retriable = false;
}

/** A batch uses the legacy message format (magic 0 or 1), which chronik does not read. */
export class UnsupportedMagicError extends Error {
  override name = "UnsupportedMagicError";
  readonly errorCode: RecordsErrorCode = RecordsErrorCode.unsupportedForMessageFormat;
  readonly retriable = false;
  readonly magic: number;

  constructor(magic: number, position: number) {
    super(
      `Cannot decode record batch at position ${position}: magic "${magic}" is the legacy message format, ` +
        `only magic "2" (RecordBatch v2) is supported`,
    );
    this.magic = magic;
  }
}

/** Compressed bytes are malformed for their codec. */
export class CompressionError extends Error {
  override name = "CompressionError";
  readonly errorCode: RecordsErrorCode = RecordsErrorCode.corruptMessage;
  readonly retriable = false;
}

/** Decompressing would produce more bytes than the caller allows (a zip bomb, or a limit set too low). */
export class DecompressedSizeError extends CompressionError {
  override name = "DecompressedSizeError";
  readonly outputBytesMax: number;

  constructor(codecName: string, outputBytesMax: number) {
    super(`Cannot decompress ${codecName} data: output exceeds the limit of ${outputBytesMax} bytes`);
    this.outputBytesMax = outputBytesMax;
  }
}
