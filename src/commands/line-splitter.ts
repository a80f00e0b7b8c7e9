// Splitting stdin into lines (produce's default input) and lines into key and value (-K).

const newline = 0x0a;

/** Splits a byte stream into lines without copying each line: a line is a view of the chunk it ends in. */
export class LineSplitter {
  #carry: Uint8Array = new Uint8Array(0);

  /** The lines `chunk` completes. The chunk must not be modified afterwards (lines are views of it). */
  push(chunk: Uint8Array): Uint8Array[] {
    const lines: Uint8Array[] = [];
    // Buffer's indexOf is a native byte search; Uint8Array's is several times slower.
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    let end = bytes.indexOf(newline);
    if (end !== -1 && this.#carry.length > 0) {
      lines.push(concat(this.#carry, chunk.subarray(0, end)));
      this.#carry = new Uint8Array(0);
      start = end + 1;
      end = bytes.indexOf(newline, start);
    }
    while (end !== -1) {
      lines.push(chunk.subarray(start, end));
      start = end + 1;
      end = bytes.indexOf(newline, start);
    }
    if (start < chunk.length) this.#carry = concat(this.#carry, chunk.subarray(start));
    return lines;
  }

  /** The last line when the input did not end with a newline. */
  end(): Uint8Array | null {
    const rest = this.#carry;
    this.#carry = new Uint8Array(0);
    return rest.length > 0 ? rest : null;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b.slice();
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}

/** Splits a line at the first `delimiter` into key and value; without one, the key is null. */
export function splitKey(line: Uint8Array, delimiter: Uint8Array): { key: Uint8Array | null; value: Uint8Array } {
  const at = Buffer.from(line.buffer, line.byteOffset, line.byteLength).indexOf(delimiter);
  if (at === -1) return { key: null, value: line };
  return { key: line.subarray(0, at), value: line.subarray(at + delimiter.length) };
}
