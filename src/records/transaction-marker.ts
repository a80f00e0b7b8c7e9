// Transaction markers: the control batches a transaction coordinator has written into every
// partition of a transaction when it ends, as Kafka writes them. A marker batch has the control
// and transactional attributes, the producer's id and epoch, sequence -1, and one control record:
//   key   int16 version (0) · int16 type (0 ABORT, 1 COMMIT)
//   value int16 version (0) · int32 coordinator epoch
// Consumers never see control records as messages; read_committed ones use the markers (through
// the aborted transactions a fetch reports) to skip what was aborted.

import { Attributes, readBatchHeader } from "./batch-header.ts";
import { buildRecordBatch } from "./build-batch.ts";
import { decodeRecordBatches } from "./decode-batches.ts";

export const ControlRecordType = { abort: 0, commit: 1 } as const;

export interface TransactionMarker {
  producerId: number;
  producerEpoch: number;
  commit: boolean;
  coordinatorEpoch: number;
}

/** A marker batch, its base offset 0 (the log assigns the real one). */
export function buildMarkerBatch(marker: TransactionMarker, timestamp: number): Uint8Array {
  const key = new Uint8Array(4);
  const keyView = new DataView(key.buffer);
  keyView.setInt16(0, 0);
  keyView.setInt16(2, marker.commit ? ControlRecordType.commit : ControlRecordType.abort);
  const value = new Uint8Array(6);
  const valueView = new DataView(value.buffer);
  valueView.setInt16(0, 0);
  valueView.setInt32(2, marker.coordinatorEpoch);
  return buildRecordBatch({
    records: [{ key, value }],
    producerId: marker.producerId,
    producerEpoch: marker.producerEpoch,
    baseSequence: -1,
    transactional: true,
    control: true,
    timestamp,
  });
}

/** The type of a control record's key (int16 version, int16 type), or null when the key is too short to hold one. */
export function controlRecordType(key: Uint8Array | null | undefined): number | null {
  if (key == null || key.length < 4) return null;
  return (key[2] << 8) | key[3];
}

/** The coordinator epoch a marker's value holds (int16 version, int32 epoch), or -1. */
export function markerCoordinatorEpoch(value: Uint8Array | null | undefined): number {
  return value != null && value.length >= 6 ? new DataView(value.buffer, value.byteOffset, value.byteLength).getInt32(2) : -1;
}

/** Whether the batch starting at `position` is a control batch. */
export function isControlBatch(bytes: Uint8Array, position = 0): boolean {
  return (readBatchHeader(bytes, position).attributes & Attributes.control) !== 0;
}

/**
 * The marker a control batch holds, or null when its record is not a transaction marker (Kafka
 * has other control records, e.g. leader change ones, which end no transaction).
 */
export function readMarker(batch: Uint8Array): TransactionMarker | null {
  const [decoded] = decodeRecordBatches(batch);
  const header = decoded?.header;
  if (header === undefined || (header.attributes & Attributes.control) === 0) return null;
  const record = decoded.records[0];
  const type = controlRecordType(record?.key);
  if (type !== ControlRecordType.abort && type !== ControlRecordType.commit) return null;
  const coordinatorEpoch = markerCoordinatorEpoch(record.value);
  return { producerId: header.producerId, producerEpoch: header.producerEpoch, commit: type === ControlRecordType.commit, coordinatorEpoch };
}
