// Persistent collections (IP, GLOBAL, SESSION, USER, RESOURCE) live across transactions behind a
// store interface: `initcol:ip=%{REMOTE_ADDR}` loads a record, setvar changes it, and it is
// written back when the transaction ends. The default store keeps records in memory, bounded in
// count, each expiring after SecCollectionTimeout of inactivity; a shared store (for several
// worker processes or nodes) implements the same interface.
import { KeyedCollection } from './transaction-state.js';

export interface StoredRecord {
  /** Variable name (lower-case) → value. */
  readonly values: Record<string, string>;
  /** Per-variable expiry (epoch ms), from expirevar. */
  readonly expires: Record<string, number>;
}

export interface PersistentStore {
  load(collection: string, key: string, now: number): StoredRecord | undefined;
  save(collection: string, key: string, record: StoredRecord, timeoutSeconds: number, now: number): void;
}

/** A loaded record during a transaction. */
export class PersistentCollection {
  readonly data = new KeyedCollection();
  readonly expires = new Map<string, number>();

  constructor(
    readonly collection: string,
    readonly key: string,
  ) {}

  static fromRecord(collection: string, key: string, record: StoredRecord | undefined, now: number): PersistentCollection {
    const c = new PersistentCollection(collection, key);
    if (record) {
      for (const [k, v] of Object.entries(record.values)) {
        const exp = record.expires[k];
        if (exp !== undefined && exp <= now) continue;
        c.data.set(k, v);
        if (exp !== undefined) c.expires.set(k, exp);
      }
    }
    return c;
  }

  toRecord(): StoredRecord {
    const values: Record<string, string> = {};
    const expires: Record<string, number> = {};
    for (const e of this.data.entries()) {
      const lower = e.key.toLowerCase();
      values[lower] = e.value;
      const exp = this.expires.get(lower);
      if (exp !== undefined) expires[lower] = exp;
    }
    return { values, expires };
  }
}

export class MemoryStore implements PersistentStore {
  private readonly records = new Map<string, { record: StoredRecord; deadline: number }>();

  constructor(private readonly maxRecords = 100_000) {}

  load(collection: string, key: string, now: number): StoredRecord | undefined {
    const id = `${collection}\u0000${key}`;
    const r = this.records.get(id);
    if (!r) return undefined;
    if (r.deadline <= now) {
      this.records.delete(id);
      return undefined;
    }
    return r.record;
  }

  save(collection: string, key: string, record: StoredRecord, timeoutSeconds: number, now: number): void {
    const id = `${collection}\u0000${key}`;
    this.records.delete(id);
    if (this.records.size >= this.maxRecords) {
      // Oldest first (Map keeps insertion order; a save re-inserts).
      const oldest = this.records.keys().next().value;
      if (oldest !== undefined) this.records.delete(oldest);
    }
    this.records.set(id, { record, deadline: now + timeoutSeconds * 1000 });
  }

  get size(): number {
    return this.records.size;
  }
}
