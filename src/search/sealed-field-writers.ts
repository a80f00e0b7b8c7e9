// Writes the fields of search segments into a sealed segment file (sealed-format.ts describes the
// file): text and keyword fields as sorted dictionaries with their postings (and keyword ordinal
// columns), number fields as columns. A seal writes its one live input's field as it is; a merge
// walks the inputs' sorted dictionaries together, one term's postings in memory at a time.

import { widthOf } from "./byte-codec.ts";
import { DictionaryWriter } from "./dictionary-writer.ts";
import type { FileSink } from "./file-sink.ts";
import { WorkMeter } from "./garbage.ts";
import { LiveKeywordField, LiveNumberField, LiveTextField } from "./live-segment.ts";
import { PostingsBuffer } from "./postings-buffer.ts";
import { SealedKeywordField, SealedTextField } from "./sealed-fields.ts";
import { type DictionaryMeta, type KeywordMeta, missingValue, type NumberMeta, type TextMeta } from "./sealed-format.ts";
import { StringTermStream, TermMerge, type TermStream } from "./term-streams.ts";
import { valueScalarsField } from "./value-text.ts";
import { compareUtf8, type KeywordField, type PositionedPostings, type Postings, type SearchSegment, type TextField } from "./search-segment.ts";

/** The inputs with the document number each starts at in the output. */
export interface Placed {
  segment: SearchSegment;
  firstDoc: number;
}

/** Where fields are written: the file, the side files of a dictionary being written, and the inputs. */
export interface FieldOutput {
  sink: FileSink;
  entries: FileSink;
  blocks: FileSink;
  placed: readonly Placed[];
}

/** A text field's terms for a merge: a sealed field's read in place, others' through their strings. */
function textStream(text: TextField, withPositions: boolean): TermStream {
  if (text instanceof SealedTextField) return text.termStream();
  return new StringTermStream(text.terms(""), (term) => (withPositions ? text.positioned(term) : text.postings(term)));
}

/** A keyword field's values for a merge, in ordinal order. */
function keywordStream(field: KeywordField): TermStream {
  if (field instanceof SealedKeywordField) return field.termStream();
  let ordinal = -1;
  function* values(): Generator<string> {
    for (ordinal = 0; ordinal < field.cardinality; ordinal++) yield field.value(ordinal);
  }
  return new StringTermStream(values(), () => ({ docs: field.docs(ordinal), freqs: null }));
}

export function writeText(output: FieldOutput, name: string): TextMeta {
  const { sink, entries, blocks, placed } = output;
  const texts = placed.map(({ segment }) => segment.text(name));
  let maxLength = 0;
  let minLength = Infinity;
  let docs = 0;
  let sum = 0;
  texts.forEach((text, i) => {
    if (text !== null) {
      docs += text.totals.docs;
      sum += text.totals.sum;
    }
    for (let doc = 0; doc < placed[i].segment.docCount; doc++) {
      const length = text === null ? 0 : text.length(doc);
      maxLength = Math.max(maxLength, length);
      minLength = Math.min(minLength, length);
    }
  });
  const normWidth = widthOf(maxLength);
  // Fields like "level" or "user" have one token in every document: the column would say nothing.
  const normsAt = minLength === maxLength ? null : sink.align();
  texts.forEach((text, i) => {
    for (let doc = 0; normsAt !== null && doc < placed[i].segment.docCount; doc++) sink.uint(text === null ? 0 : text.length(doc), normWidth);
  });
  const dictionary = new DictionaryWriter(sink, entries, blocks, `the terms of "${name}"`);
  const postings = new PostingsBuffer();
  // Where no document has more than one token, every position is 0: none are written (sealed-fields.ts).
  const withPositions = maxLength > 1 && name !== valueScalarsField;
  const add = (list: Postings | PositionedPostings, firstDoc: number) => {
    postings.add(list.docs, list.freqs, firstDoc);
    if (withPositions) postings.addPositions((list as PositionedPostings).positions);
  };
  const only = texts.length === 1 ? texts[0] : null;
  if (only !== null && !(only instanceof SealedTextField)) {
    // A seal: the live field's terms in order, without the merge's machinery.
    let previous: string | null = null;
    for (const term of only.terms("")) {
      postings.clear();
      if (only instanceof LiveTextField) only.addPostingsTo(postings, term, withPositions);
      else {
        // Terms without postings never reach the dictionary writer's check.
        if (previous !== null && compareUtf8(term, previous) <= 0) throw new Error(`Cannot write the terms of "${name}": input 0 lists "${term}" after "${previous}"`);
        previous = term;
        const list = withPositions ? only.positioned(term) : only.postings(term);
        if (list === null) continue;
        add(list, 0);
      }
      if (postings.count > 0) dictionary.add(term, postings, true, withPositions);
    }
    return { ...dictionary.finish(), docs, sum, normWidth, normsAt, normLength: maxLength, positions: withPositions };
  }
  const streams = texts.map((text) => (text === null ? null : textStream(text, withPositions)));
  const merge = new TermMerge(streams, `the terms of "${name}"`);
  const meter = new WorkMeter();
  while (merge.next()) {
    postings.clear();
    for (const i of merge.holders) meter.add(1 + streams[i]!.addTo(postings, placed[i].firstDoc, withPositions));
    if (postings.count > 0) dictionary.addBytes(merge.term.bytes, merge.term.length, postings, true, withPositions);
  }
  return { ...dictionary.finish(), docs, sum, normWidth, normsAt, normLength: maxLength, positions: withPositions };
}

export function writeKeywords(output: FieldOutput, name: string): KeywordMeta {
  const { sink, entries, blocks, placed } = output;
  const fields = placed.map(({ segment }) => segment.keywords(name));
  // Each input's ordinal → the output's, so the ordinal column can be written document by document.
  const ordinalMaps = fields.map((field) => new Uint32Array(field?.cardinality ?? 0));
  const dictionary = new DictionaryWriter(sink, entries, blocks, `the keywords of "${name}"`);
  const postings = new PostingsBuffer();
  let cardinality = 0;
  const only = fields.length === 1 ? fields[0] : null;
  const sealing = only !== null && !(only instanceof SealedKeywordField);
  if (sealing) {
    // A seal: the live field's values are in order already, and their ordinals are the output's.
    for (let ordinal = 0; ordinal < only.cardinality; ordinal++) {
      const value = only.value(ordinal);
      ordinalMaps[0][ordinal] = ordinal;
      postings.clear();
      if (only instanceof LiveKeywordField) only.addDocsTo(postings, ordinal);
      else postings.add(only.docs(ordinal), null, 0);
      dictionary.add(value, postings, false);
    }
    cardinality = only.cardinality;
  }
  const streams = sealing ? [] : fields.map((field) => (field === null ? null : keywordStream(field)));
  const nextOrdinals = fields.map(() => 0);
  const merge = new TermMerge(streams, `the keywords of "${name}"`);
  const meter = new WorkMeter();
  while (merge.next()) {
    postings.clear();
    for (const i of merge.holders) {
      ordinalMaps[i][nextOrdinals[i]++] = cardinality;
      meter.add(1 + streams[i]!.addTo(postings, placed[i].firstDoc, false));
    }
    dictionary.addBytes(merge.term.bytes, merge.term.length, postings, false);
    cardinality++;
  }
  const meta = dictionary.finish();
  if (only instanceof LiveKeywordField) return { ...meta, ...writeOrdinals(sink, only.ordinalsByDoc(placed[0].segment.docCount), cardinality) };
  // The loops over documents make no closure per document: at millions of documents their garbage
  // outgrew the merge's own memory before a collection came.
  let valueCount = 0;
  let multi = false;
  let count = 0;
  const countOrdinal = () => count++;
  fields.forEach((field, i) => {
    for (let doc = 0; field !== null && doc < placed[i].segment.docCount; doc++) {
      count = 0;
      field.forEachOrdinal(doc, countOrdinal);
      valueCount += count;
      if (count > 1) multi = true;
    }
  });
  const ordinals: number[] = [];
  let ordinalMap = ordinalMaps[0];
  const mapOrdinal = (ordinal: number) => ordinals.push(ordinalMap[ordinal]);
  const visitDocs = (visit: (ordinals: number[]) => void) => {
    fields.forEach((field, i) => {
      ordinalMap = ordinalMaps[i];
      for (let doc = 0; doc < placed[i].segment.docCount; doc++) {
        ordinals.length = 0;
        field?.forEachOrdinal(doc, mapOrdinal);
        visit(ordinals);
      }
    });
  };
  if (!multi) {
    const ordinalWidth = widthOf(cardinality);
    const missing = missingValue(ordinalWidth);
    const ordinalsAt = sink.align();
    visitDocs((ordinals) => sink.uint(ordinals.length === 0 ? missing : ordinals[0], ordinalWidth));
    return { ...meta, ordinalWidth, ordinalsAt, startsAt: null, valueCount };
  }
  const startsAt = sink.align();
  let start = 0;
  sink.uint(0, 4);
  visitDocs((ordinals) => sink.uint((start += ordinals.length), 4));
  const ordinalWidth = widthOf(Math.max(0, cardinality - 1));
  const ordinalsAt = sink.align();
  visitDocs((ordinals) => {
    for (const ordinal of ordinals) sink.uint(ordinal, ordinalWidth);
  });
  return { ...meta, ordinalWidth, ordinalsAt, startsAt, valueCount };
}

/** A seal's keyword ordinal columns, from each document's ordinals (ordinalsByDoc). */
function writeOrdinals(sink: FileSink, column: readonly (number | number[])[], cardinality: number): Omit<KeywordMeta, keyof DictionaryMeta> {
  let valueCount = 0;
  let multi = false;
  for (const ordinals of column) {
    if (typeof ordinals !== "number") {
      valueCount += ordinals.length;
      if (ordinals.length > 1) multi = true;
    } else if (ordinals !== -1) valueCount++;
  }
  if (!multi) {
    const ordinalWidth = widthOf(cardinality);
    const missing = missingValue(ordinalWidth);
    const ordinalsAt = sink.align();
    for (const ordinals of column) sink.uint(typeof ordinals === "number" ? (ordinals === -1 ? missing : ordinals) : ordinals.length === 0 ? missing : ordinals[0], ordinalWidth);
    return { ordinalWidth, ordinalsAt, startsAt: null, valueCount };
  }
  const startsAt = sink.align();
  let start = 0;
  sink.uint(0, 4);
  for (const ordinals of column) sink.uint((start += typeof ordinals === "number" ? (ordinals === -1 ? 0 : 1) : ordinals.length), 4);
  const ordinalWidth = widthOf(Math.max(0, cardinality - 1));
  const ordinalsAt = sink.align();
  for (const ordinals of column) {
    if (typeof ordinals !== "number") for (const ordinal of ordinals) sink.uint(ordinal, ordinalWidth);
    else if (ordinals !== -1) sink.uint(ordinals, ordinalWidth);
  }
  return { ordinalWidth, ordinalsAt, startsAt, valueCount };
}

export function writeNumbers(output: FieldOutput, name: string): NumberMeta {
  const { sink, placed } = output;
  const fields = placed.map(({ segment }) => segment.numbers(name));
  let valueCount = 0;
  let multi = false;
  let integers = true;
  let min = Infinity;
  let max = -Infinity;
  const live = fields.length === 1 && fields[0] instanceof LiveNumberField ? fields[0] : null;
  const note = (value: number) => {
    valueCount++;
    if (value < min) min = value;
    if (value > max) max = value;
    // -0 would come back as 0 from a delta.
    if (!Number.isSafeInteger(value) || Object.is(value, -0)) integers = false;
  };
  const scratch: number[] = [];
  for (let doc = 0; live !== null && doc < placed[0].segment.docCount; doc++) {
    const values = live.valuesAt(doc, scratch);
    if (values.length > 1) multi = true;
    for (let i = 0; i < values.length; i++) note(values[i]);
  }
  for (const field of live === null ? fields : []) {
    let previousDoc = -1;
    field?.forEach((doc, value) => {
      if (doc === previousDoc) multi = true;
      previousDoc = doc;
      note(value);
    });
  }
  const eachDoc = (visit: (values: readonly number[]) => void) => {
    if (live !== null) {
      // A seal: the live field's numbers as held, without a call per value.
      for (let doc = 0; doc < placed[0].segment.docCount; doc++) visit(live.valuesAt(doc, scratch));
      return;
    }
    const values: number[] = [];
    const push = (value: number) => values.push(value);
    fields.forEach((field, i) => {
      for (let doc = 0; doc < placed[i].segment.docCount; doc++) {
        values.length = 0;
        field?.forEachValue(doc, push);
        visit(values);
      }
    });
  };
  if (!multi && integers && valueCount > 0 && max - min < 0xffff_ffff) {
    const width = widthOf(max - min + 1);
    const missing = missingValue(width);
    const valuesAt = sink.align();
    eachDoc((values) => sink.uint(values.length === 0 ? missing : values[0] - min, width));
    return { encoding: "integer", width, min, valuesAt, startsAt: null, valueCount };
  }
  if (!multi) {
    const valuesAt = sink.align();
    eachDoc((values) => sink.float64(values.length === 0 ? NaN : values[0]));
    return { encoding: "float", width: 8, min: 0, valuesAt, startsAt: null, valueCount };
  }
  const startsAt = sink.align();
  let start = 0;
  sink.uint(0, 4);
  eachDoc((values) => sink.uint((start += values.length), 4));
  const valuesAt = sink.align();
  eachDoc((values) => {
    for (const value of values) sink.float64(value);
  });
  return { encoding: "multi", width: 8, min: 0, valuesAt, startsAt, valueCount };
}
