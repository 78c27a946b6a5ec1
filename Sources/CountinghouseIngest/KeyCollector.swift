// The in-file duplicate-key check: every natural key of a file, collected in order and compared
// once the file is read.
//
// Place in the pipeline: the row validator encodes each valid row's key into `KeyCollector`'s
// arena; `duplicates()` runs after the last row. Appends are sequential writes (no random memory
// access per row, which dominated a hash table at millions of rows), and one radix sort of the bare
// 64-bit hashes shows whether any two keys may be equal; only keys sharing a hash are compared byte
// for byte, so a hash collision never hides or invents a duplicate.
// Memory: about 16 bytes per row plus the keys' bytes (24 bytes for a pos_lines key), held until
// the file is read; a large file's check reserves that room up front from the file's size (address
// space only until used) in huge pages, since faulting in tens of megabytes 4 KB at a time cost more
// CPU than sorting the keys. No errors are made here; the validator words them.
// The arena, the hash and the sort, written with raw pointers for speed, are in FastKeyHashing.swift.

/// Every key of a file, with the row it came from.
struct KeyCollector {
    private let storage = KeyStorage()

    /// A place to write a key of `length` bytes; it becomes a key at `commit`. At least 8 bytes
    /// more than asked are writable, so callers may store whole words.
    @inline(__always)
    func reserve(_ length: Int) -> UnsafeMutablePointer<UInt8> {
        storage.reserve(length + 8)
    }

    /// Takes the `length` bytes written after `reserve` as the key of `row`.
    @inline(__always)
    func commit(_ length: Int, row: Int) {
        storage.commit(length, row: row)
    }

    /// Takes the keys of `other` as coming after this collector's, their rows moved `rowOffset`
    /// later. They are not copied: `duplicates` reads them where they are.
    func append(contentsOf other: KeyCollector, rowOffset: Int) {
        storage.laterParts.append((other.storage, rowOffset))
    }

    /// Makes room up front for the keys of about `byteCount` bytes of rows, so that the arrays are
    /// allocated once (and given huge pages) instead of growing through every size on the way.
    /// Untouched room costs address space only. An estimate: more keys still fit, by growing.
    func reserveCapacity(forRowBytes byteCount: Int64) {
        let limit: Int64 = 1 << 30
        // Rows are rarely shorter than 32 bytes; a key takes a tag per column plus its values.
        storage.reserveCapacity(
            entries: Int(min(byteCount / 32, limit / 16)), bytes: Int(min(byteCount / 2, limit)))
    }

    /// Sorts the hashes collected so far now, on the calling thread, for `duplicates` to use: each
    /// half of a file checked on two threads sorts its own.
    func sortHashes() {
        storage.sortHashes()
    }

    /// Every repeated key: the later row, the first row with the same key, and the key's bytes.
    func duplicates() -> [(row: Int, firstRow: Int, key: [UInt8])] {
        storage.duplicates()
    }
}
