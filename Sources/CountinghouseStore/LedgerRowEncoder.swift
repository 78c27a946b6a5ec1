// The per-row encoder of an append: a row's natural key, canonical content and chained hash
// written into buffers reused from row to row.
//
// Place in the pipeline: both stores' append loops encode each row once here and bind or COPY the
// bytes directly. Invariant: the bytes are exactly Core's `LedgerRow.naturalKey` and
// `canonicalContent`, and the hash `HashChain.digest` (LedgerRowEncoderTests holds them equal).
// Errors a user can see: none.
import CountinghouseCore
import Crypto

/// A row's natural key and canonical content (exactly Core's `LedgerRow.naturalKey` and
/// `canonicalContent` bytes) and its chained hash, written into buffers reused from row to row.
///
/// Why: an ingest of a million rows spent a large share of its client time building these as fresh
/// arrays and strings per row (`String(value)` for every integer). The stores encode each row once
/// here and bind or COPY the bytes directly. A test holds the bytes equal to Core's.
struct LedgerRowEncoder {
    /// The natural key of the last encoded row (UTF-8 of `LedgerRow.naturalKey`).
    private(set) var key: [UInt8] = []
    /// The canonical content of the last encoded row (`LedgerRow.canonicalContent`).
    private(set) var canonical: [UInt8] = []
    private let keyColumns: [Int]
    private let schema: KindSchema
    private let contentPrefix: [UInt8]
    /// `|r<recordedAt>;f<fileSHA256>;s`, the same for every row of a file.
    private let chainSuffix: [UInt8]
    private var scratch: [UInt8] = []

    init(kind: LedgerKind, recordedAt: Int64, fileSHA256: String) {
        keyColumns = kind.schema.naturalKey
        schema = kind.schema
        contentPrefix = Array(kind.rawValue.utf8) + [UInt8(ascii: "|")]
        chainSuffix = HashChain.fileSuffix(recordedAt: recordedAt, fileSHA256: fileSHA256)
        key.reserveCapacity(256)
        canonical.reserveCapacity(1024)
        scratch.reserveCapacity(32)
    }

    /// Encodes a row's key and content into `key` and `canonical`.
    mutating func encode(_ row: LedgerRow) {
        encodeKey(row)
        encodeContent(row)
    }

    /// Encodes a row's key into `key` (`canonical` is left as it was).
    mutating func encodeKey(_ row: LedgerRow) {
        key.removeAll(keepingCapacity: true)
        for index in keyColumns { Self.appendCanonical(row.values[index], to: &key) }
    }

    /// Encodes a row's content into `canonical`, for `digest` (`key` is left as it was).
    mutating func encodeContent(_ row: LedgerRow) {
        canonical.removeAll(keepingCapacity: true)
        canonical.append(contentsOf: contentPrefix)
        for value in row.values[..<schema.canonicalValueCount(row.values)] { Self.appendCanonical(value, to: &canonical) }
    }

    /// The natural key as Core's string.
    var keyString: String { String(decoding: key, as: UTF8.self) }

    /// `HashChain.digest` of the last encoded row after `previous`, without per-row buffers.
    mutating func digest(previous: [UInt8], sourceRow: Int64) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: previous)
        hasher.update(data: canonical)
        hasher.update(data: chainSuffix)
        scratch.removeAll(keepingCapacity: true)
        appendDecimal(sourceRow, to: &scratch)
        scratch.append(UInt8(ascii: ";"))
        hasher.update(data: scratch)
        return Array(hasher.finalize())
    }

    /// Core's self-delimiting encoding: `N`, `i<digits>;` or `t<byte count>:<bytes>`.
    @inline(__always)
    static func appendCanonical(_ value: FieldValue, to bytes: inout [UInt8]) {
        switch value {
        case .null:
            bytes.append(UInt8(ascii: "N"))
        case .integer(let number):
            bytes.append(UInt8(ascii: "i"))
            appendDecimal(number, to: &bytes)
            bytes.append(UInt8(ascii: ";"))
        case .text(var text):
            text.withUTF8 { utf8 in
                bytes.append(UInt8(ascii: "t"))
                appendDecimal(Int64(utf8.count), to: &bytes)
                bytes.append(UInt8(ascii: ":"))
                bytes.append(contentsOf: utf8)
            }
        }
    }
}
