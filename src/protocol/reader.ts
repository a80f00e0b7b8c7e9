// Reader: decodes Kafka's primitive types from a byte buffer, front to back.
// Every read checks bounds first, so a truncated or lying frame raises a
// ProtocolDecodeError instead of reading past the end.

/** Thrown when bytes do not decode as the expected Kafka type. */
export class ProtocolDecodeError extends Error {
  override name = "ProtocolDecodeError";
}

const textDecoder = new TextDecoder("utf-8", { fatal: false });

/** Upper bound on any array or map length we accept from the wire (a DoS guard). */
export const arrayLengthMax = 1 << 24;

export class Reader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  offset: number;
  readonly end: number;

  constructor(bytes: Uint8Array, offset = 0, end = bytes.length) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offset = offset;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  #need(count: number): number {
    const at = this.offset;
    if (count < 0 || at + count > this.end) {
      throw new ProtocolDecodeError(`Cannot read ${count} bytes at offset ${at}: only ${this.end - at} left`);
    }
    this.offset = at + count;
    return at;
  }

  readInt8(): number {
    return this.view.getInt8(this.#need(1));
  }
  readUint8(): number {
    return this.view.getUint8(this.#need(1));
  }
  readBoolean(): boolean {
    return this.readInt8() !== 0;
  }
  readInt16(): number {
    return this.view.getInt16(this.#need(2));
  }
  readUint16(): number {
    return this.view.getUint16(this.#need(2));
  }
  readInt32(): number {
    return this.view.getInt32(this.#need(4));
  }
  readUint32(): number {
    return this.view.getUint32(this.#need(4));
  }
  /** INT64 as a JS number: exact for every value within ±2^53, which covers offsets and timestamps. */
  readInt64(): number {
    const at = this.#need(8);
    const high = this.view.getInt32(at);
    const low = this.view.getUint32(at + 4);
    return high * 0x1_0000_0000 + low;
  }
  readFloat64(): number {
    return this.view.getFloat64(this.#need(8));
  }

  /** Unsigned LEB128 varint, up to 32 bits. */
  readUnsignedVarint(): number {
    let value = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      const byte = this.readUint8();
      value |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value >>> 0;
      shift += 7;
    }
    throw new ProtocolDecodeError(`Varint at offset ${this.offset} is longer than 5 bytes`);
  }
  /** Zig-zag signed varint, up to 32 bits. */
  readVarint(): number {
    const raw = this.readUnsignedVarint();
    return (raw >>> 1) ^ -(raw & 1);
  }
  /** Zig-zag signed varlong; exact within ±2^53. */
  readVarlong(): number {
    let value = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      const byte = this.readUint8();
      value |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return Number((value >> 1n) ^ -(value & 1n));
      shift += 7n;
    }
    throw new ProtocolDecodeError(`Varlong at offset ${this.offset} is longer than 10 bytes`);
  }

  readUuid(): string {
    const at = this.#need(16);
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + at, 16).toString("hex");
  }

  /** A view (not a copy) of the next `length` bytes. */
  readRaw(length: number): Uint8Array {
    const at = this.#need(length);
    return this.bytes.subarray(at, at + length);
  }

  #text(length: number): string {
    const at = this.#need(length);
    return textDecoder.decode(this.bytes.subarray(at, at + length));
  }

  readString(): string {
    const value = this.readNullableString();
    if (value === null) throw new ProtocolDecodeError(`Non-nullable string is null at offset ${this.offset}`);
    return value;
  }
  readNullableString(): string | null {
    const length = this.readInt16();
    return length < 0 ? null : this.#text(length);
  }
  readCompactString(): string {
    const value = this.readCompactNullableString();
    if (value === null) throw new ProtocolDecodeError(`Non-nullable compact string is null at offset ${this.offset}`);
    return value;
  }
  readCompactNullableString(): string | null {
    const length = this.readUnsignedVarint() - 1;
    return length < 0 ? null : this.#text(length);
  }

  readBytes(): Uint8Array {
    const value = this.readNullableBytes();
    if (value === null) throw new ProtocolDecodeError(`Non-nullable bytes are null at offset ${this.offset}`);
    return value;
  }
  readNullableBytes(): Uint8Array | null {
    const length = this.readInt32();
    return length < 0 ? null : this.readRaw(length);
  }
  readCompactBytes(): Uint8Array {
    const value = this.readCompactNullableBytes();
    if (value === null) throw new ProtocolDecodeError(`Non-nullable compact bytes are null at offset ${this.offset}`);
    return value;
  }
  readCompactNullableBytes(): Uint8Array | null {
    const length = this.readUnsignedVarint() - 1;
    return length < 0 ? null : this.readRaw(length);
  }

  /** Array length prefix (INT32, -1 = null). */
  readArrayLength(): number {
    return this.#checkLength(this.readInt32());
  }
  /** Compact array length prefix (unsigned varint N+1, 0 = null); returns -1 for null. */
  readCompactArrayLength(): number {
    return this.#checkLength(this.readUnsignedVarint() - 1);
  }
  #checkLength(length: number): number {
    if (length > arrayLengthMax || length > this.remaining) {
      throw new ProtocolDecodeError(`Array length ${length} at offset ${this.offset} exceeds the frame`);
    }
    return length;
  }

  /**
   * Reads a tagged-field section. Known tags are handed to `onTag` with a reader
   * bounded to that field; unknown tags are skipped, as the protocol requires.
   */
  readTaggedFields(onTag?: (tag: number, field: Reader) => void): void {
    const count = this.readUnsignedVarint();
    for (let i = 0; i < count; i++) {
      const tag = this.readUnsignedVarint();
      const size = this.readUnsignedVarint();
      const at = this.#need(size);
      if (onTag) onTag(tag, new Reader(this.bytes, at, at + size));
    }
  }
}
