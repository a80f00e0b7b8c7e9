// The Lucene query string syntax (as in Elasticsearch's query_string and `chronik search`):
//
//   query     := clause ( [AND | && | OR | ||] clause )*      adjacency uses the default operator
//   clause    := [+ | - | ! | NOT] primary
//   primary   := ( query ) | field:value | value
//   value     := word | prefix* | "phrase"[~slop] | [a TO b] | {a TO b} | >=n | >n | <=n | <n | ( query )
//
// AND binds tighter than OR. `+x` must match, `-x` / `NOT x` must not, a bare clause should
// match (default operator OR). `*` alone matches every document, `field:*` and `_exists_:field`
// documents that have the field. Backslash escapes any character.

import { bool, defaultField, type Query, QueryError, type RangeBound } from "./query.ts";

type Occur = "must" | "mustNot" | "default";

interface Clause {
  occur: Occur;
  query: Query;
}

/** Nesting of parentheses accepted, so a hostile query cannot exhaust the stack. */
export const queryDepthMax = 32;

const wordStop = new Set([" ", "\t", "\n", "\r", "(", ")", '"', ":"]);
/** After `field:` a value may hold colons (times like 10:00:00Z). */
const valueStop = new Set([" ", "\t", "\n", "\r", "(", ")", '"']);

export interface LuceneOptions {
  /** What adjacent clauses without + or - mean: "or" (default) or "and". */
  defaultOperator?: "or" | "and";
  /** Field searched by clauses that name none (default "_value"). */
  defaultField?: string;
}

/** Parses a query string; throws QueryError (type "query_shard_exception") naming what is wrong and where. */
export function parseLuceneQuery(text: string, options: LuceneOptions = {}): Query {
  const parser = new LuceneParser(text, options.defaultOperator ?? "or");
  if (text.trim() === "") return { kind: "match_all" };
  const query = parser.parseSequence(options.defaultField ?? defaultField, 0);
  parser.expectEnd();
  return query;
}

class LuceneParser {
  #text: string;
  #at = 0;
  #defaultOperator: "or" | "and";

  constructor(text: string, defaultOperator: "or" | "and") {
    this.#text = text;
    this.#defaultOperator = defaultOperator;
  }

  #fail(reason: string): never {
    throw new QueryError("query_shard_exception", `Failed to parse query "${this.#text}": ${reason} at position ${this.#at}`);
  }

  #skipSpace(): void {
    while (this.#at < this.#text.length && /\s/.test(this.#text[this.#at])) this.#at++;
  }

  #atEnd(): boolean {
    this.#skipSpace();
    return this.#at >= this.#text.length;
  }

  /** Consumes `word` when it stands alone here (followed by space, a parenthesis or the end). */
  #keyword(...words: string[]): boolean {
    this.#skipSpace();
    for (const word of words) {
      if (!this.#text.startsWith(word, this.#at)) continue;
      const after = this.#text[this.#at + word.length];
      const symbolic = !/[A-Z]/.test(word);
      if (symbolic || after === undefined || /[\s(]/.test(after)) {
        this.#at += word.length;
        return true;
      }
    }
    return false;
  }

  expectEnd(): void {
    if (!this.#atEnd()) this.#fail(`unexpected "${this.#text[this.#at]}"`);
  }

  parseSequence(field: string, depth: number): Query {
    if (depth > queryDepthMax) this.#fail(`parentheses nested deeper than ${queryDepthMax}`);
    const groups: Clause[][] = [];
    let current: Clause[] = [this.#parseClause(field, depth)];
    let explicitOr = false;
    for (;;) {
      if (this.#atEnd() || this.#text[this.#at] === ")") break;
      if (this.#keyword("AND", "&&")) {
        current.push(this.#parseClause(field, depth));
        continue;
      }
      if (this.#keyword("OR", "||")) explicitOr = true;
      groups.push(current);
      current = [this.#parseClause(field, depth)];
    }
    groups.push(current);
    return this.#build(groups, explicitOr);
  }

  #build(groups: Clause[][], explicitOr: boolean): Query {
    const clauses: Clause[] = groups.map((group) => (group.length === 1 ? group[0] : { occur: "default", query: conjunction(group) }));
    if (clauses.length === 1 && clauses[0].occur !== "mustNot") return clauses[0].query;
    const must: Query[] = [];
    const should: Query[] = [];
    const mustNot: Query[] = [];
    const adjacentAreRequired = this.#defaultOperator === "and" && !explicitOr;
    for (const { occur, query } of clauses) {
      if (occur === "must" || (occur === "default" && adjacentAreRequired)) must.push(query);
      else if (occur === "mustNot") mustNot.push(query);
      else should.push(query);
    }
    if (must.length === 0 && should.length === 0) must.push({ kind: "match_all" });
    return bool({ must, should, mustNot });
  }

  #parseClause(field: string, depth: number): Clause {
    this.#skipSpace();
    let occur: Occur = "default";
    const sign = this.#text[this.#at];
    if (sign === "+" || sign === "-" || sign === "!") {
      this.#at++;
      occur = sign === "+" ? "must" : "mustNot";
    } else if (this.#keyword("NOT")) {
      occur = "mustNot";
      if (this.#atEnd()) this.#fail('"NOT" needs a term after it');
    }
    this.#refuseOperator();
    return { occur, query: this.#parsePrimary(field, depth) };
  }

  /**
   * An operator where a term belongs ("AND" alone, "a OR OR b") is an error, as in Lucene and
   * Elasticsearch; read as the word "and", it would quietly match nothing.
   */
  #refuseOperator(): void {
    this.#skipSpace();
    const operator = /^(AND|OR|NOT|&&|\|\|)(?=[\s()]|$)/.exec(this.#text.slice(this.#at));
    if (operator) this.#fail(`"${operator[1]}" is an operator and needs a term on each side (quote it to search for the word)`);
  }

  #parsePrimary(field: string, depth: number): Query {
    this.#skipSpace();
    if (this.#at >= this.#text.length) this.#fail("expected a term");
    const char = this.#text[this.#at];
    if (char === "(") return this.#parseGroup(field, depth);
    if (char === '"') return this.#parsePhrase(field);
    if (char === "[" || char === "{") return this.#parseRange(field);
    if (char === ")") this.#fail('unexpected ")"');
    const word = this.#readWord(wordStop);
    if (this.#text[this.#at] === ":" && word.raw !== "") {
      this.#at++;
      // "*:value" searches the default field, as Elasticsearch's all-fields shorthand.
      return this.#parseFieldValue(word.text === "*" ? field : word.text, depth);
    }
    return this.#wordQuery(field, word);
  }

  #parseFieldValue(field: string, depth: number): Query {
    const char = this.#text[this.#at];
    if (char === undefined || /\s/.test(char)) this.#fail(`expected a value after "${field}:"`);
    if (char === "(") return this.#parseGroup(field, depth);
    if (char === '"') return this.#parsePhrase(field);
    if (char === "[" || char === "{") return this.#parseRange(field);
    const comparator = /^(>=|<=|>|<)/.exec(this.#text.slice(this.#at));
    if (comparator) {
      this.#at += comparator[1].length;
      const bound = this.#readWord(valueStop).text;
      if (bound === "") this.#fail(`expected a value after "${field}:${comparator[1]}"`);
      const key = ({ ">=": "gte", "<=": "lte", ">": "gt", "<": "lt" } as const)[comparator[1] as ">=" | "<=" | ">" | "<"];
      return { kind: "range", field, [key]: bound };
    }
    if (field === "_exists_") return { kind: "exists", field: this.#readWord(valueStop).text };
    return this.#wordQuery(field, this.#readWord(valueStop));
  }

  #parseGroup(field: string, depth: number): Query {
    this.#at++;
    if (this.#atEnd()) this.#fail('expected a term after "("');
    const query = this.parseSequence(field, depth + 1);
    if (this.#atEnd() || this.#text[this.#at] !== ")") this.#fail('missing ")"');
    this.#at++;
    return query;
  }

  #parsePhrase(field: string): Query {
    const text = this.#readQuoted();
    let slop = 0;
    if (this.#text[this.#at] === "~") {
      this.#at++;
      const digits = /^\d+/.exec(this.#text.slice(this.#at));
      if (!digits) this.#fail('expected a number after "~"');
      slop = Number(digits[0]);
      this.#at += digits[0].length;
    }
    return { kind: "phrase", field, text, slop };
  }

  #readQuoted(): string {
    this.#at++;
    let text = "";
    while (this.#at < this.#text.length && this.#text[this.#at] !== '"') {
      if (this.#text[this.#at] === "\\") this.#at++;
      text += this.#text[this.#at] ?? "";
      this.#at++;
    }
    if (this.#at >= this.#text.length) this.#fail("missing closing quote");
    this.#at++;
    return text;
  }

  #parseRange(field: string): Query {
    const inclusiveLow = this.#text[this.#at] === "[";
    this.#at++;
    const low = this.#readBound();
    if (!this.#keyword("TO")) this.#fail('expected "TO" in a range');
    const high = this.#readBound();
    this.#skipSpace();
    const close = this.#text[this.#at];
    if (close !== "]" && close !== "}") this.#fail('expected "]" or "}" to end a range');
    this.#at++;
    const range: Query = { kind: "range", field };
    if (low !== null) range[inclusiveLow ? "gte" : "gt"] = low;
    if (high !== null) range[close === "]" ? "lte" : "lt"] = high;
    return range;
  }

  /** A range bound: a word or a quoted string; null for "*" (open). */
  #readBound(): RangeBound | null {
    this.#skipSpace();
    if (this.#text[this.#at] === '"') return this.#readQuoted();
    const word = this.#readWord(new Set([...valueStop, "]", "}"])).text;
    if (word === "") this.#fail("expected a range bound");
    return word === "*" ? null : word;
  }

  /** Characters up to a stop character; `raw` keeps escapes so "a\*" is not a prefix query. */
  #readWord(stops: Set<string>): { text: string; raw: string } {
    let text = "";
    let raw = "";
    while (this.#at < this.#text.length && !stops.has(this.#text[this.#at])) {
      if (this.#text[this.#at] === "\\" && this.#at + 1 < this.#text.length) {
        raw += this.#text.slice(this.#at, this.#at + 2);
        text += this.#text[this.#at + 1];
        this.#at += 2;
        continue;
      }
      raw += this.#text[this.#at];
      text += this.#text[this.#at];
      this.#at++;
    }
    return { text, raw };
  }

  #wordQuery(field: string, word: { text: string; raw: string }): Query {
    if (word.raw === "") this.#fail("expected a term");
    if (word.raw === "*") return field === defaultField ? { kind: "match_all" } : { kind: "exists", field };
    const wildcard = /(?<!\\)[*?]/.exec(word.raw);
    if (wildcard) {
      if (wildcard.index !== word.raw.length - 1 || wildcard[0] !== "*") this.#fail(`only trailing "*" wildcards are supported in "${word.raw}"`);
      return { kind: "prefix", field, prefix: word.text.slice(0, -1) };
    }
    return { kind: "match", field, text: word.text, operator: "or", minimumShouldMatch: null };
  }
}

function conjunction(clauses: Clause[]): Query {
  const must = clauses.filter((clause) => clause.occur !== "mustNot").map((clause) => clause.query);
  const mustNot = clauses.filter((clause) => clause.occur === "mustNot").map((clause) => clause.query);
  if (must.length === 0) must.push({ kind: "match_all" });
  return bool({ must, mustNot });
}
