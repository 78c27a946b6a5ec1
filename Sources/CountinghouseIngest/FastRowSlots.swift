// The row validator's fast parts: the slots a record's values are parsed into, the natural key's
// encoding, and the IN_TRANSIT test.
//
// Place in the pipeline: `RowValidator.validate` (RowValidator.swift) parses every column of every
// record into a `SlotBuffer`, then encodes the natural key of each valid row into the duplicate-key
// arena (FastKeyHashing.swift); `value(_:)` turns a slot into a ledger value only when a row is
// handed out.
// What is fast and unsafe here: a text slot is a pointer into the CSV reader's buffer, valid only
// while its record is (no `String` is built in pass 1); the slots live in memory the buffer
// allocates and writes through a pointer (no copy-on-write check per column); the key encoder
// writes through a raw pointer into the arena, copying text a word at a time into the 8 bytes of
// slack the arena promises; `isInTransit` compares the field as two unaligned words. A slot kept
// past its record reads bytes of a later record; a wrong length writes past the key.
// Why: pass 1 allocates nothing per row but its key; the slot buffer, the arena and the word
// copies came with the changes that took parse + validate of the bench's 80.9 MB pos_lines file
// from 0.79 s to 0.52 s of CPU (commit d1e8857); the two-word IN_TRANSIT test and the word copies
// of key text were part of 4.793 G to 4.620 G instructions for 100,000 rows (callgrind, commit
// 8cb7884).
// Key encoding: per key column a tag byte, then the value: 0 null; 1 text (4-byte little-endian
// length, then the bytes; lower-cased for a lower-case code); 2 an integer (8 bytes little-endian);
// 3 a code (1 byte: its index in the column's code set); 4 the functional currency; 5 a date (days
// since the epoch, 8 bytes little-endian). Equal values encode to equal bytes and unequal values to
// unequal bytes, so keys compare byte for byte.
// Tested by: FastRowSlotsTests.swift, against `SlowKeyEncoding` (the same format built by appending
// to an array) on generated slots (fixed seed), `isInTransit` against `==` on every text near it,
// and the slot buffer against an array.

/// One column's parsed value while its record is in the buffer: no `String` is built until a row
/// is handed out, so pass 1 allocates nothing per row but its key.
enum Slot {
    case null
    /// Text: the trimmed bytes in the reader's buffer.
    case bytes(UnsafePointer<UInt8>, Int)
    /// Text to store lower-cased.
    case lowercased(UnsafePointer<UInt8>, Int)
    case integer(Int64)
    /// The code at this index of the column's code set.
    case code(Int)
    case functionalCurrency
    /// A date as days since the epoch.
    case date(Int64)

    var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

/// The slots of the record being validated: written through a pointer the buffer owns, so the hot
/// loop pays no copy-on-write check per column. A validator has one and never shares it.
final class SlotBuffer {
    let count: Int
    private let base: UnsafeMutablePointer<Slot>

    init(count: Int) {
        self.count = count
        base = .allocate(capacity: count)
        base.initialize(repeating: .null, count: count)
    }

    deinit { base.deallocate() }

    subscript(index: Int) -> Slot {
        @inline(__always) get {
            precondition(index >= 0 && index < count, "slot index out of range")
            return base[index]
        }
        @inline(__always) set {
            precondition(index >= 0 && index < count, "slot index out of range")
            base[index] = newValue
        }
    }
}

/// The encoding of a natural key into bytes (the format is in the comment at the top of this file).
enum KeyEncoding {
    /// The bytes the key of `columns` takes.
    @inline(__always)
    static func length(of slots: SlotBuffer, columns: [Int]) -> Int {
        var length = 0
        for column in columns {
            switch slots[column] {
            case .null, .functionalCurrency: length += 1
            case .bytes(_, let count), .lowercased(_, let count): length += 5 + count
            case .integer, .date: length += 9
            case .code: length += 2
            }
        }
        return length
    }

    /// Writes the key of `columns` at `start`, which has room for its `length` and 8 bytes more.
    @inline(__always)
    static func encode(_ slots: SlotBuffer, columns: [Int], into arena: UnsafeMutablePointer<UInt8>) {
        var out = arena
        @inline(__always) func put(_ byte: UInt8) {
            out.pointee = byte
            out += 1
        }
        @inline(__always) func put(_ number: UInt64, bytes: Int) {
            UnsafeMutableRawPointer(out).storeBytes(of: number.littleEndian, toByteOffset: 0, as: UInt64.self)
            out += bytes
        }
        for column in columns {
            switch slots[column] {
            case .null:
                put(0)
            case .bytes(let start, let count):
                put(1)
                put(UInt64(UInt32(truncatingIfNeeded: count)), bytes: 4)
                // Keys' text is short: whole words, then the last few bytes, beat a call to memcpy.
                let source = UnsafeRawPointer(start)
                let target = UnsafeMutableRawPointer(out)
                var offset = 0
                while offset + 8 <= count {
                    target.storeBytes(of: source.loadUnaligned(fromByteOffset: offset, as: UInt64.self), toByteOffset: offset, as: UInt64.self)
                    offset += 8
                }
                while offset < count {
                    out[offset] = start[offset]
                    offset += 1
                }
                out += count
            case .lowercased(let start, let count):
                put(1)
                put(UInt64(UInt32(truncatingIfNeeded: count)), bytes: 4)
                for offset in 0..<count { put(asciiLowercase(start[offset])) }
            case .integer(let number):
                put(2)
                put(UInt64(bitPattern: number), bytes: 8)
            case .code(let index):
                put(3)
                put(UInt8(truncatingIfNeeded: index))
            case .functionalCurrency:
                put(4)
            case .date(let days):
                put(5)
                put(UInt64(bitPattern: days), bytes: 8)
            }
        }
    }
}

/// Whether the bytes are `IN_TRANSIT`, compared as two words (no lazy global array to reach per
/// row).
@inline(__always)
func isInTransit(_ bytes: Bytes) -> Bool {
    guard bytes.count == 10 else { return false }
    let raw = UnsafeRawPointer(bytes.baseAddress!)
    // "IN_TRANS" and "IT" in little-endian byte order.
    return raw.loadUnaligned(as: UInt64.self).littleEndian == 0x534E_4152_545F_4E49
        && raw.loadUnaligned(fromByteOffset: 8, as: UInt16.self).littleEndian == 0x5449
}
