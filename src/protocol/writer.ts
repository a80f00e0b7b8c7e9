// Writer: encodes Kafka's primitive types into a growable buffer.
// Buffers grow by doubling; `finish()` returns a view of exactly what was written.

const textEncoder = new TextEncoder();

export class Writer {
  #bytes: Uint8Array;
  #view: DataView;
  offset = 0;

  constructor(initialCapacity = 256) {
    this.#bytes = new Uint8Array(initialCapacity);
    this.#view = new DataView(this.#bytes.buffer);
  }

  /** Returns the write position. Call it before reading #view or #bytes: growing replaces both. */
  #reserve(count: number): number {
    const at = this.offset;
    const needed = at + count;
    if (needed > this.#bytes.length) {
      let capacity = this.#bytes.length * 2;
      while (capacity < needed) capacity *= 2;
      const grown = new Uint8Array(capacity);
      grown.set(this.#bytes.subarray(0, at));
      this.#bytes = grown;
      this.#view = new DataView(grown.buffer);
    }
    this.offset = needed;
    return at;
  }

  /** The written bytes (a view into the internal buffer). */
  finish(): Uint8Array {
    return this.#bytes.subarray(0, this.offset);
  }

  writeInt8(value: number): this {
    const at = this.#reserve(1);
    this.#view.setInt8(at, value);
    return this;
  }
  writeUint8(value: number): this {
    const at = this.#reserve(1);
    this.#view.setUint8(at, value);
    return this;
  }
  writeBoolean(value: boolean): this {
    return this.writeInt8(value ? 1 : 0);
  }
  writeInt16(value: number): this {
    const at = this.#reserve(2);
    this.#view.setInt16(at, value);
    return this;
  }
  writeUint16(value: number): this {
    const at = this.#reserve(2);
    this.#view.setUint16(at, value);
    return this;
  }
  writeInt32(value: number): this {
    const at = this.#reserve(4);
    this.#view.setInt32(at, value);
    return this;
  }
  writeUint32(value: number): this {
    const at = this.#reserve(4);
    this.#view.setUint32(at, value);
    return this;
  }
  /** INT64 from a JS number (exact within ±2^53). */
  writeInt64(value: number): this {
    const at = this.#reserve(8);
    this.#view.setBigInt64(at, BigInt(Math.trunc(value)));
    return this;
  }
  writeFloat64(value: number): this {
    const at = this.#reserve(8);
    this.#view.setFloat64(at, value);
    return this;
  }

  writeUnsignedVarint(value: number): this {
    let remaining = value >>> 0;
    while (remaining >= 0x80) {
      this.writeUint8((remaining & 0x7f) | 0x80);
      remaining >>>= 7;
    }
    return this.writeUint8(remaining);
  }
  writeVarint(value: number): this {
    return this.writeUnsignedVarint(((value << 1) ^ (value >> 31)) >>> 0);
  }
  writeVarlong(value: number): this {
    const big = BigInt(Math.trunc(value));
    let zigzag = (big << 1n) ^ (big >> 63n);
    while (zigzag >= 0x80n) {
      this.writeUint8(Number(zigzag & 0x7fn) | 0x80);
      zigzag >>= 7n;
    }
    return this.writeUint8(Number(zigzag));
  }

  /** UUID given as 32 hex digits (dashes allowed). */
  writeUuid(value: string): this {
    const hex = value.replaceAll("-", "");
    const at = this.#reserve(16);
    this.#bytes.set(Buffer.from(hex.padStart(32, "0"), "hex").subarray(0, 16), at);
    return this;
  }

  writeRaw(bytes: Uint8Array): this {
    const at = this.#reserve(bytes.length);
    this.#bytes.set(bytes, at);
    return this;
  }

  writeString(value: string): this {
    const encoded = textEncoder.encode(value);
    return this.writeInt16(encoded.length).writeRaw(encoded);
  }
  writeNullableString(value: string | null): this {
    return value === null ? this.writeInt16(-1) : this.writeString(value);
  }
  writeCompactString(value: string): this {
    const encoded = textEncoder.encode(value);
    return this.writeUnsignedVarint(encoded.length + 1).writeRaw(encoded);
  }
  writeCompactNullableString(value: string | null): this {
    return value === null ? this.writeUnsignedVarint(0) : this.writeCompactString(value);
  }

  writeBytes(value: Uint8Array): this {
    return this.writeInt32(value.length).writeRaw(value);
  }
  writeNullableBytes(value: Uint8Array | null): this {
    return value === null ? this.writeInt32(-1) : this.writeBytes(value);
  }
  writeCompactBytes(value: Uint8Array): this {
    return this.writeUnsignedVarint(value.length + 1).writeRaw(value);
  }
  writeCompactNullableBytes(value: Uint8Array | null): this {
    return value === null ? this.writeUnsignedVarint(0) : this.writeCompactBytes(value);
  }

  writeArrayLength(length: number | null): this {
    return this.writeInt32(length === null ? -1 : length);
  }
  writeCompactArrayLength(length: number | null): this {
    return this.writeUnsignedVarint(length === null ? 0 : length + 1);
  }

  /** Tagged fields: each entry is [tag, encoded field bytes], written in ascending tag order. */
  writeTaggedFields(fields: ReadonlyArray<readonly [number, Uint8Array]> = []): this {
    this.writeUnsignedVarint(fields.length);
    for (const [tag, bytes] of fields) {
      this.writeUnsignedVarint(tag).writeUnsignedVarint(bytes.length).writeRaw(bytes);
    }
    return this;
  }

  /** Reserves an INT32 slot to fill later (e.g. a size prefix); returns its position. */
  reserveInt32(): number {
    return this.#reserve(4);
  }
  patchInt32(position: number, value: number): this {
    this.#view.setInt32(position, value);
    return this;
  }
}
