// The stores' per-row encoder writes exactly Core's bytes (`LedgerRow.naturalKey`,
// `canonicalContent`) and the same chained hash as `HashChain.digest`.
import CountinghouseCore
import Testing

@testable import CountinghouseStore

@Suite("LedgerRowEncoder")
struct LedgerRowEncoderTests {
    static let rows: [LedgerRow] = [
        posLine("A1", 1, row: 2),
        posLine("", 0, row: 3, price: -1250, quantity: Int64.min),
        posLine("Ünïcode\t\\\n", Int64.max, row: 1_000_000, price: 0, quantity: -7),
        item("SKU-9", cost: nil, row: 4),
        item("", cost: 10, row: 5),
        transfer("T1", line: 3, type: "SHIP", sku: "SKU-1", receiptNo: 12, row: 6),
        transfer("T1", line: 3, type: "RECEIVE", sku: "SKU-1", row: 7),
    ]

    @Test func bytesAndHashesEqualCore() {
        var previous = HashChain.genesis
        for row in Self.rows {
            var encoder = LedgerRowEncoder(kind: row.kind, recordedAt: -42, fileSHA256: "abc123")
            encoder.encode(row)
            #expect(encoder.canonical == row.canonicalContent)
            #expect(encoder.key == Array(row.naturalKey.utf8))
            #expect(encoder.keyString == row.naturalKey)
            let expected = HashChain.digest(
                previous: previous, canonicalContent: row.canonicalContent, recordedAt: -42, fileSHA256: "abc123",
                sourceRow: Int64(row.sourceRow))
            let digest = encoder.digest(previous: previous, sourceRow: Int64(row.sourceRow))
            #expect(digest == expected)
            var hex: [UInt8] = []
            HashChain.appendHex(digest, to: &hex)
            #expect(String(decoding: hex, as: UTF8.self) == HashChain.hex(expected))
            previous = digest
        }
    }
}
