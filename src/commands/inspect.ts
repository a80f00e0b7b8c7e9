// `chronik inspect`: print the batches of segment files, like kafka-dump-log.sh, with the same
// field names; --records adds a `|` line per record, --payload its key and value, --format
// json one object per line. --verify checks CRCs, offset continuity, the .index/.timeindex
// entries, trailing bytes and the sequences of idempotent producers (no batch written twice,
// none missing), and exits non-zero on any problem. Read-only.

import fs from "node:fs";
import path from "node:path";
import { Command } from "@commander-js/extra-typings";
import { Attributes } from "../records/batch-header.ts";
import { ProducerSequenceCheck } from "../records/sequence-check.ts";
import { ControlRecordType, controlRecordType, markerCoordinatorEpoch } from "../records/transaction-marker.ts";
import { readCheckpoint } from "../storage/checkpoint.ts";
import { cleanerOffsetFileName } from "../storage/recovery.ts";
import type { DecodedRecord } from "../records/decode-batches.ts";
import { CommandError, runClientCommand } from "./client-command.ts";
import { choice } from "./options.ts";
import { type BatchDump, codecName, segmentBaseOffset, type SegmentProblem, verifyOffsetIndex, verifyTimeIndex, walkSegment } from "./segment-dump.ts";

const formats = ["text", "json"] as const;

interface InspectOptions {
  records: boolean;
  payload: boolean;
  verify: boolean;
  format: (typeof formats)[number];
}

/** The .log files named, in offset order: files as given (a .index/.timeindex means its .log), folders' segments. */
export function segmentFilesOf(targets: string[]): string[] {
  const files: string[] = [];
  for (const target of targets) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(target);
    } catch {
      throw new CommandError(`Cannot inspect "${target}": no such file or folder`);
    }
    if (stat.isDirectory()) {
      const found = segmentFilesInFolder(target);
      if (found.length === 0) throw new CommandError(`Folder "${target}" holds no segment (.log) files`);
      files.push(...found);
    } else if (/\.(index|timeindex)$/.test(target)) {
      files.push(target.replace(/\.(index|timeindex)$/, ".log"));
    } else {
      files.push(target);
    }
  }
  return files;
}

const isFolder = (folder: string) => fs.statSync(folder, { throwIfNoEntry: false })?.isDirectory() === true;

/**
 * The segments under a folder, whichever level of the data folder it is: a partition folder
 * (its .log files), a topic folder (its partition folders 0, 1, … in order), the topics folder
 * (its topic folders by name) or the data folder itself (its topics folder).
 */
function segmentFilesInFolder(folder: string): string[] {
  const entries = fs.readdirSync(folder).sort();
  const logs = entries.filter((name) => /^\d{20}\.log$/.test(name));
  if (logs.length > 0) return logs.map((name) => path.join(folder, name));
  const partitions = entries.filter((name) => /^\d+$/.test(name) && isFolder(path.join(folder, name))).sort((a, b) => Number(a) - Number(b));
  if (partitions.length > 0) return partitions.flatMap((name) => segmentFilesInFolder(path.join(folder, name)));
  if (entries.includes("topics") && isFolder(path.join(folder, "topics"))) return segmentFilesInFolder(path.join(folder, "topics"));
  // The topics folder: every sub-folder that is a topic (holds partition folders).
  const topics = entries.filter((name) => isFolder(path.join(folder, name)) && fs.readdirSync(path.join(folder, name)).some((entry) => /^\d+$/.test(entry)));
  return topics.flatMap((name) => segmentFilesInFolder(path.join(folder, name)));
}

const text = (bytes: Uint8Array | null) => (bytes === null ? "null" : Buffer.from(bytes).toString("utf8"));

function batchLine(batch: BatchDump): string {
  const header = batch.header;
  const lastOffset = header.baseOffset + header.lastOffsetDelta;
  const lastSequence = header.baseSequence < 0 ? -1 : header.baseSequence + header.lastOffsetDelta;
  const timeName = header.attributes & Attributes.timestampTypeLogAppend ? "LogAppendTime" : "CreateTime";
  return (
    `baseOffset: ${header.baseOffset} lastOffset: ${lastOffset} count: ${header.recordCount} baseSequence: ${header.baseSequence} ` +
    `lastSequence: ${lastSequence} producerId: ${header.producerId} producerEpoch: ${header.producerEpoch} ` +
    `partitionLeaderEpoch: ${header.partitionLeaderEpoch} isTransactional: ${(header.attributes & Attributes.transactional) !== 0} ` +
    `isControl: ${(header.attributes & Attributes.control) !== 0} position: ${batch.position} ${timeName}: ${header.maxTimestamp} ` +
    `size: ${batch.size} magic: ${header.magic} compresscodec: ${codecName(header.attributes)} crc: ${header.crc} isvalid: ${batch.crcValid}`
  );
}

/** A control record's marker, as kafka-dump-log names it; null for data records and other control records. */
function markerOf(record: DecodedRecord, batch: BatchDump): { endTxnMarker: string; coordinatorEpoch: number } | null {
  if ((batch.header.attributes & Attributes.control) === 0) return null;
  const type = controlRecordType(record.key);
  if (type !== ControlRecordType.commit && type !== ControlRecordType.abort) return null;
  return { endTxnMarker: type === ControlRecordType.commit ? "COMMIT" : "ABORT", coordinatorEpoch: markerCoordinatorEpoch(record.value) };
}

function recordLine(record: DecodedRecord, batch: BatchDump, payload: boolean): string {
  const sequence = batch.header.baseSequence < 0 ? -1 : batch.header.baseSequence + (record.offset - batch.header.baseOffset);
  let line =
    `| offset: ${record.offset} CreateTime: ${record.timestamp} keySize: ${record.key?.length ?? -1} valueSize: ${record.value?.length ?? -1} ` +
    `sequence: ${sequence} headerKeys: [${record.headers.map((header) => header.key).join(",")}]`;
  const marker = markerOf(record, batch);
  if (marker !== null) return `${line} endTxnMarker: ${marker.endTxnMarker} coordinatorEpoch: ${marker.coordinatorEpoch}`;
  if (payload) line += ` key: ${text(record.key)} payload: ${text(record.value)}`;
  return line;
}

function batchJson(file: string, batch: BatchDump, options: InspectOptions): string {
  const header = batch.header;
  const object: Record<string, unknown> = {
    file,
    baseOffset: header.baseOffset,
    lastOffset: header.baseOffset + header.lastOffsetDelta,
    count: header.recordCount,
    baseSequence: header.baseSequence,
    producerId: header.producerId,
    producerEpoch: header.producerEpoch,
    partitionLeaderEpoch: header.partitionLeaderEpoch,
    isTransactional: (header.attributes & Attributes.transactional) !== 0,
    isControl: (header.attributes & Attributes.control) !== 0,
    position: batch.position,
    timestampType: header.attributes & Attributes.timestampTypeLogAppend ? "LogAppendTime" : "CreateTime",
    maxTimestamp: header.maxTimestamp,
    size: batch.size,
    magic: header.magic,
    compresscodec: codecName(header.attributes),
    crc: header.crc,
    isvalid: batch.crcValid,
  };
  if (options.records && batch.records !== null) {
    object.records = batch.records.map((record) => ({
      offset: record.offset,
      timestamp: record.timestamp,
      keySize: record.key?.length ?? -1,
      valueSize: record.value?.length ?? -1,
      headerKeys: record.headers.map((entry) => entry.key),
      ...markerOf(record, batch),
      ...(options.payload ? { key: record.key === null ? null : text(record.key), payload: record.value === null ? null : text(record.value) } : {}),
    }));
  }
  return `${JSON.stringify(object)}\n`;
}

/** One sequence check per partition folder, with the offset below which its log was compacted. */
class PartitionSequences {
  #folder: string | null = null;
  #check = new ProducerSequenceCheck();
  #compactedBelow = 0;

  for(file: string): { check: ProducerSequenceCheck; compactedBelow: number } {
    const folder = path.dirname(path.resolve(file));
    if (folder !== this.#folder) {
      this.#folder = folder;
      this.#check = new ProducerSequenceCheck();
      this.#compactedBelow = readCheckpoint(path.join(folder, cleanerOffsetFileName), { info: () => {}, warn: () => {} }) ?? 0;
    }
    return { check: this.#check, compactedBelow: this.#compactedBelow };
  }
}

/** Prints one segment; returns the problems found (all kinds; the caller decides what fails). */
function inspectSegment(file: string, options: InspectOptions, sequences: PartitionSequences, write: (text: string) => void): SegmentProblem[] {
  if (!fs.existsSync(file)) throw new CommandError(`Cannot inspect "${file}": no such file`);
  if (options.format === "text") write(`Dumping ${file}\nLog starting offset: ${segmentBaseOffset(file) ?? "unknown"}\n`);
  const { check, compactedBelow } = sequences.for(file);
  const sequenceProblems: SegmentProblem[] = [];
  const { problems, batchStarts } = walkSegment(file, { decodeRecords: options.records }, (batch) => {
    const broken = check.check(batch.header, compactedBelow);
    if (broken !== null) sequenceProblems.push({ kind: "sequence", message: broken });
    if (options.format === "json") {
      write(batchJson(file, batch, options));
      return;
    }
    write(`${batchLine(batch)}\n`);
    for (const record of batch.records ?? []) write(`${recordLine(record, batch, options.payload)}\n`);
  });
  const base = segmentBaseOffset(file);
  if (options.verify && base !== null) {
    problems.push(...verifyOffsetIndex(file.replace(/\.log$/, ".index"), base, batchStarts));
    problems.push(...verifyTimeIndex(file.replace(/\.log$/, ".timeindex"), base, batchStarts));
    problems.push(...sequenceProblems);
  }
  return problems;
}

export function inspectCommand() {
  return new Command("inspect")
    .description("Print the record batches of segment files or folders (kafka-dump-log field names); read-only")
    .argument("<paths...>", "segment .log files (or their .index/.timeindex), partition folders (data/topics/events/0), topic folders (data/topics/events) or a whole data folder (data)")
    .option("--records", "a '|' line per record (offset, timestamp, sizes, header keys)")
    .option("--payload", "with the record lines, the key and value as text (implies --records)")
    .option("--verify", "check CRCs, offset continuity, index entries, trailing bytes and idempotent producers' sequences; exit 1 if anything is wrong")
    .option("--format <format>", "text (kafka-dump-log lines) or json (one object per batch per line)", choice(formats), "text" as (typeof formats)[number])
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  chronik inspect data/topics/events/0",
        "  chronik inspect data/topics/events/0/00000000000000000000.log --payload",
        "  chronik inspect --verify data/topics/events/*",
        "  chronik inspect data                            every topic's partitions",
        "  chronik inspect --format json data/topics/events/0 | jq -s 'map(.count) | add'",
        "",
      ].join("\n"),
    )
    .action(async (targets, flags) => {
      await runClientCommand("inspect", async () => {
        const options: InspectOptions = {
          records: flags.records === true || flags.payload === true,
          payload: flags.payload === true,
          verify: flags.verify === true,
          format: flags.format,
        };
        const problems: SegmentProblem[] = [];
        let pending = "";
        const write = (chunk: string) => {
          pending += chunk;
          if (pending.length >= 64 * 1024) {
            fs.writeSync(1, pending);
            pending = "";
          }
        };
        const sequences = new PartitionSequences();
        for (const file of segmentFilesOf(targets)) {
          for (const problem of inspectSegment(file, options, sequences, write)) problems.push({ ...problem, message: `${file}: ${problem.message}` });
        }
        fs.writeSync(1, pending);
        // Without --verify, damage is visible in the output (isvalid: false) and trailing bytes
        // are noted on stderr, but neither is a failure.
        if (!options.verify) {
          for (const problem of problems.filter((entry) => entry.kind === "trailing-bytes")) process.stderr.write(`chronik inspect: ${problem.message}\n`);
          return;
        }
        for (const problem of problems) process.stderr.write(`chronik inspect: ${problem.message}\n`);
        if (problems.length > 0) throw new CommandError(`${problems.length} problems found`);
      });
    });
}
