// The ACLs a broker enforces, kept in `<data>/acls.json` (replaced atomically) and indexed by
// resource so that a check reads only the entries that can apply to the resource asked about.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../storage/checkpoint.ts";
import { type AclBinding, type AclBindingFilter, PatternType, bindingProblem, filterMatches, sameBinding, wildcard } from "./acl.ts";

export const aclsFileName = "acls.json";
/** How many ACLs a broker holds at most; CreateAcls beyond it is refused. */
export const aclsMax = 100_000;

export class AclStoreError extends Error {
  override name = "AclStoreError";
}

interface AclsFile {
  version: 1;
  acls: AclBinding[];
}

/** The entries of one resource type, by how their pattern applies to a name. */
interface TypeIndex {
  literal: Map<string, AclBinding[]>;
  prefixed: Map<string, AclBinding[]>;
}

function readAcls(file: string): AclBinding[] {
  if (!existsSync(file)) return [];
  let parsed: AclsFile;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8")) as AclsFile;
  } catch (error) {
    throw new AclStoreError(`Cannot read ACL file "${file}": ${(error as Error).message}`);
  }
  if (parsed?.version !== 1 || !Array.isArray(parsed.acls)) throw new AclStoreError(`ACL file "${file}" is not a version 1 ACL file`);
  for (const binding of parsed.acls) {
    const problem = bindingProblem(binding);
    if (problem !== null) throw new AclStoreError(`ACL file "${file}" holds an invalid ACL: ${problem}`);
  }
  return parsed.acls;
}

function push(map: Map<string, AclBinding[]>, key: string, binding: AclBinding): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [binding]);
  else list.push(binding);
}

export class AclStore {
  readonly #file: string;
  #acls: AclBinding[] = [];
  #index = new Map<number, TypeIndex>();
  /** The last change queued; the next one starts after it. */
  #changes: Promise<void> = Promise.resolve();

  private constructor(file: string, acls: AclBinding[]) {
    this.#file = file;
    this.#replace(acls);
  }

  /** The ACLs of a data folder (none when it has no ACL file). */
  static open(dataDir: string): AclStore {
    const file = join(dataDir, aclsFileName);
    return new AclStore(file, readAcls(file));
  }

  /** Reads the file again (SIGHUP); a bad file keeps the ACLs known. */
  reload(): void {
    this.#replace(readAcls(this.#file));
  }

  get size(): number {
    return this.#acls.length;
  }

  /** Every entry whose pattern applies to the resource `type`/`name`: literal, wildcard, prefixed. */
  applying(type: number, name: string): AclBinding[] {
    const index = this.#index.get(type);
    if (index === undefined) return [];
    const found: AclBinding[] = [...(index.literal.get(name) ?? []), ...(name === wildcard ? [] : (index.literal.get(wildcard) ?? []))];
    if (index.prefixed.size > 0) {
      for (let length = 1; length <= name.length; length++) found.push(...(index.prefixed.get(name.slice(0, length)) ?? []));
    }
    return found;
  }

  /** Entries of resource type `type` (for "may this principal do X to any topic?"). */
  ofType(type: number): AclBinding[] {
    const index = this.#index.get(type);
    if (index === undefined) return [];
    return [...index.literal.values(), ...index.prefixed.values()].flat();
  }

  list(filter: AclBindingFilter): AclBinding[] {
    return this.#acls.filter((binding) => filterMatches(filter, binding));
  }

  /** Adds the bindings not already present; one write for all of them. */
  add(bindings: readonly AclBinding[]): Promise<void> {
    return this.#serialized(async () => {
      const added = bindings.filter((binding, i) => !this.#acls.some((known) => sameBinding(known, binding)) && bindings.findIndex((other) => sameBinding(other, binding)) === i);
      if (added.length === 0) return;
      if (this.#acls.length + added.length > aclsMax) throw new AclStoreError(`A broker holds at most ${aclsMax} ACLs`);
      await this.#write([...this.#acls, ...added]);
    });
  }

  /** Removes what each filter matches; answers, per filter, the bindings it removed. */
  remove(filters: readonly AclBindingFilter[]): Promise<AclBinding[][]> {
    return this.#serialized(async () => {
      const removed = filters.map((filter) => this.list(filter));
      const gone = new Set(removed.flat());
      if (gone.size > 0) await this.#write(this.#acls.filter((binding) => !gone.has(binding)));
      return removed;
    });
  }

  /** Runs `change` once the changes before it are written: one at a time, so concurrent requests never lose each other's ACLs. */
  #serialized<T>(change: () => Promise<T>): Promise<T> {
    const done = this.#changes.then(change);
    this.#changes = done.then(
      () => undefined,
      () => undefined,
    );
    return done;
  }

  async #write(acls: AclBinding[]): Promise<void> {
    const content: AclsFile = { version: 1, acls };
    await writeFileAtomic(this.#file, JSON.stringify(content, null, 1) + "\n", 0o600);
    this.#replace(acls);
  }

  #replace(acls: AclBinding[]): void {
    const index = new Map<number, TypeIndex>();
    for (const binding of acls) {
      let byType = index.get(binding.resourceType);
      if (byType === undefined) index.set(binding.resourceType, (byType = { literal: new Map(), prefixed: new Map() }));
      push(binding.patternType === PatternType.PREFIXED ? byType.prefixed : byType.literal, binding.resourceName, binding);
    }
    this.#acls = acls;
    this.#index = index;
  }
}
