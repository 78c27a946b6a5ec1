// The per-table hash chain (SEMANTICS §7.7), computed the same way by both stores.
//
// Place in the pipeline: an append chains each new row to the previous row of its table; `verify`
// recomputes every chain (`ChainVerifier`). Invariants: a row's chained bytes are
// `canonicalContent` followed by `|r<recorded_at ns>;f<file sha256>;s<source row>;` and its hash is
// sha256(previous row's 32-byte digest ‖ those bytes), the first row of a table chaining from 32
// zero bytes (`HashChain.genesis`). Nothing here touches a C handle.
// Errors a user can see: none directly; a break is reported by `verify` as a `ChainBreak`.
import CountinghouseCore
import Crypto

/// The per-table hash chain.
enum HashChain {
    /// The digest the first row of every table chains from.
    static let genesis = [UInt8](repeating: 0, count: 32)

    /// sha256(previous ‖ canonical content ‖ `|r<recordedAt>;f<fileSHA>;s<sourceRow>;`).
    static func digest(
        previous: [UInt8], canonicalContent: some Collection<UInt8>, recordedAt: Int64, fileSHA256: String,
        sourceRow: Int64
    ) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: previous)
        if canonicalContent.withContiguousStorageIfAvailable({ hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) })
            == nil
        {
            hasher.update(data: Array(canonicalContent))
        }
        var suffix = fileSuffix(recordedAt: recordedAt, fileSHA256: fileSHA256)
        appendDecimal(sourceRow, to: &suffix)
        suffix.append(UInt8(ascii: ";"))
        hasher.update(data: suffix)
        return Array(hasher.finalize())
    }

    /// `|r<recordedAt>;f<fileSHA256>;s`: the part of a row's chained suffix that every row of a
    /// file shares (the source row and `;` follow).
    static func fileSuffix(recordedAt: Int64, fileSHA256: String) -> [UInt8] {
        var suffix: [UInt8] = [UInt8(ascii: "|"), UInt8(ascii: "r")]
        suffix.reserveCapacity(96)
        appendDecimal(recordedAt, to: &suffix)
        suffix.append(UInt8(ascii: ";"))
        suffix.append(UInt8(ascii: "f"))
        suffix.append(contentsOf: fileSHA256.utf8)
        suffix.append(UInt8(ascii: ";"))
        suffix.append(UInt8(ascii: "s"))
        return suffix
    }

    static func hex(_ digest: [UInt8]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digest.count * 2)
        let digits = Array("0123456789abcdef".utf8)
        for byte in digest {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The digest a stored hex hash names, or nil when it is not 64 hex digits.
    static func bytes(hex: String) -> [UInt8]? {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 64 else { return nil }
        var result: [UInt8] = []
        result.reserveCapacity(32)
        var index = 0
        while index < 64 {
            guard let high = hexValue(utf8[index]), let low = hexValue(utf8[index + 1]) else { return nil }
            result.append(high << 4 | low)
            index += 2
        }
        return result
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// Appends the decimal digits of a value without building a String.
@inline(__always)
func appendDecimal(_ value: Int64, to bytes: inout [UInt8]) {
    if value == 0 {
        bytes.append(UInt8(ascii: "0"))
        return
    }
    var magnitude = value.magnitude
    if value < 0 { bytes.append(UInt8(ascii: "-")) }
    var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                 UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    var count = 0
    withUnsafeMutableBytes(of: &digits) { buffer in
        while magnitude > 0 {
            buffer[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
            count += 1
        }
        while count > 0 {
            count -= 1
            bytes.append(buffer[count])
        }
    }
}

/// Verifies one table's chain from its rows in ledger order, and that no seq is missing between
/// them (a row deleted from the middle); used by both stores. (A row deleted from a table's end
/// leaves no gap: the anchors find it, FileAnchors.swift.)
struct ChainVerifier {
    let table: String
    private var previous = HashChain.genesis
    /// The sequence the next row should have: a table's seqs run 1, 2, 3 … with no gap.
    private var nextSequence: Int64 = 1
    private(set) var breaks: [ChainBreak] = []

    init(table: String) { self.table = table }

    /// Checks the next row; the chain continues from the stored hash so that one altered row is
    /// one break, not a cascade.
    mutating func check(
        sequence: Int64, row: LedgerRow, recordedAt: Int64, fileSHA256: String, fileName: String, storedHash: String
    ) {
        let expected = HashChain.digest(
            previous: previous, canonicalContent: row.canonicalContent, recordedAt: recordedAt,
            fileSHA256: fileSHA256, sourceRow: Int64(row.sourceRow))
        let expectedHex = HashChain.hex(expected)
        // Rows deleted before this one: one finding naming them, not also this row's hash (it chained
        // from the deleted row's).
        let missing = sequence > nextSequence ? nextSequence...(sequence - 1) : nil
        if missing != nil || expectedHex != storedHash {
            breaks.append(
                ChainBreak(
                    table: table, sequence: sequence, fileName: fileName, sourceRow: row.sourceRow,
                    naturalKey: LedgerMessages.keyText(row), expected: expectedHex, found: storedHash, missingBefore: missing))
        }
        nextSequence = max(nextSequence, sequence &+ 1)
        previous = HashChain.bytes(hex: storedHash) ?? expected
    }
}

extension HashChain {
    /// Appends a digest's lowercase hex (what `hex` returns) without building a String.
    static func appendHex(_ digest: [UInt8], to bytes: inout [UInt8]) {
        for byte in digest {
            bytes.append(hexDigit(byte >> 4))
            bytes.append(hexDigit(byte & 0x0f))
        }
    }

    @inline(__always)
    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}
