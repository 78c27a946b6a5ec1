import Foundation
import Testing
@testable import CountinghouseCore

/// Each fast path of Costing/FastPaths.swift against the plain, obvious version of the same
/// function, on generated input (fixed seeds): ASCII and non-ASCII text (precomposed and combining
/// accents, CJK, an emoji, a NUL), strings made by bridging an NSString and from a substring, and,
/// for the functions that read bytes, byte sequences without contiguous storage (on Linux every
/// Swift string has contiguous UTF-8, so that is how their other branch is reached).
@Suite struct FastPathsTests {
    /// Pieces of generated text. `nfcPieces` have no combining marks, so that two strings made
    /// of them are equal (`==`, canonical equivalence) exactly when their bytes are.
    static let nfcPieces = ["a", "Z", "0", "9", "-", "_", ":", " ", "SKU-", "é", "ß", "ÿ", "日本", "🧾", "\u{0}", "\u{7F}"]
    static let pieces = nfcPieces + ["e\u{301}", "\u{301}"]

    static func text(_ random: inout HistoryRandomness, from pieces: [String] = pieces, maxPieces: Int64 = 8) -> String {
        (0..<random.int(0...maxPieces)).map { _ in random.pick(pieces) }.joined()
    }

    /// The same text as a native string, as a bridged NSString, and as a string made from a
    /// substring (cut by Unicode scalars: by characters, a leading combining mark would join the
    /// character before it and be cut away with it).
    static func variants(_ text: String) -> [String] {
        let wrapped = ("<<" + text + ">>").unicodeScalars
        let inner = wrapped[wrapped.index(wrapped.startIndex, offsetBy: 2)..<wrapped.index(wrapped.endIndex, offsetBy: -2)]
        let variants = [text, NSString(string: text) as String, String(inner)]
        precondition(variants.allSatisfy { Array($0.utf8) == Array(text.utf8) }, "a variant has the text's bytes")
        return variants
    }

    /// The text's bytes as a sequence without contiguous storage.
    static func scattered(_ text: String) -> LazyMapSequence<String.UTF8View, UInt8> { text.utf8.lazy.map { $0 } }

    // MARK: - FNV-1a and the sale-line fingerprint

    /// FNV-1a by its definition: each byte XORed in, then multiplied by the 64-bit FNV prime.
    static func plainFNV1a(_ bytes: [UInt8], _ start: UInt64) -> UInt64 {
        var hash = start
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 1_099_511_628_211
        }
        return hash
    }

    @Test func fnv1aIsTheDefinition() {
        // The published 64-bit test vectors.
        #expect(fnv1a("", 0xcbf2_9ce4_8422_2325) == 0xcbf2_9ce4_8422_2325)
        #expect(fnv1a("a", 0xcbf2_9ce4_8422_2325) == 0xaf63_dc4c_8601_ec8c)
        #expect(fnv1a("foobar", 0xcbf2_9ce4_8422_2325) == 0x8594_4171_f739_67e8)
        #expect(Self.scattered("a").withContiguousStorageIfAvailable { _ in 0 } == nil)
        var random = HistoryRandomness(seed: 41)
        for _ in 0..<3_000 {
            let text = Self.text(&random, maxPieces: 30)
            let start = random.next()
            let expected = Self.plainFNV1a(Array(text.utf8), start)
            for variant in Self.variants(text) { #expect(fnv1a(variant, start) == expected, "\(text.debugDescription)") }
            #expect(fnv1a(bytes: Self.scattered(text), start) == expected, "\(text.debugDescription)")
        }
    }

    @Test func theFingerprintIsTwelveBitsOfThePlainHash() {
        var random = HistoryRandomness(seed: 42)
        for _ in 0..<3_000 {
            let document = Self.text(&random)
            let line = random.chance(0.1) ? random.pick([Int64.min, -1, 0, Int64.max]) : random.int(1...500)
            let hash = Self.plainFNV1a(Array(document.utf8), 0xcbf2_9ce4_8422_2325 ^ UInt64(bitPattern: line))
            let expected = Int((hash ^ (hash >> 32)) & 0xFFF)
            for variant in Self.variants(document) {
                #expect(SKUCostRun.fingerprint(variant, line) == expected, "\(document.debugDescription) \(line)")
            }
        }
    }

    // MARK: - SKU numbering and byte order

    /// SKU codes are numbered in order of first appearance, the same code always the same number,
    /// past the table's growth (it starts with room for 512).
    @Test func skuNumbersFollowFirstAppearance() {
        var numbering = SKUNumbering()
        let codes = (0..<3_000).map { "SKU-\($0 * 7919 % 3_000)" }
        #expect(codes.map { numbering.number(of: $0) } == Array(0..<3_000))
        #expect(codes.reversed().map { numbering.number(of: $0) } == Array((0..<3_000).reversed()))
        #expect(numbering.skus == codes)
    }

    /// Against a `Dictionary` numbering codes in order of first appearance: 20,000 lookups of
    /// 2,500 generated codes (the table grows twice), each code in any of its variants. The codes
    /// carry no combining marks: the table hashes bytes but compares with `==`, which is canonical
    /// equivalence, so "é" and "e\u{301}" are one key to a `Dictionary` and (usually) two to the
    /// table — a difference no SKU code of the chain's files has met; see the report of this change.
    /// SKUs are numbered by their bytes (FORMATS §1), as a dictionary keyed by bytes numbers them:
    /// "é" and "e\u{301}" are two SKUs.
    @Test func skuNumberingEqualsADictionaryOfBytes() {
        var random = HistoryRandomness(seed: 43)
        var codes: [String] = ["é", "e\u{301}", "Å", "A\u{30A}", "\u{212B}"]
        var seen = Set(codes.map { Array($0.utf8) })
        while codes.count < 2_500 {
            let code = Self.text(&random, from: Self.pieces, maxPieces: 6) + "\(codes.count % 7)"
            if seen.insert(Array(code.utf8)).inserted { codes.append(code) }
        }
        var numbering = SKUNumbering()
        var dictionary: [[UInt8]: Int] = [:]
        var order: [String] = []
        for _ in 0..<20_000 {
            let code = random.pick(codes)
            if dictionary[Array(code.utf8)] == nil {
                dictionary[Array(code.utf8)] = order.count
                order.append(code)
            }
            let expected = dictionary[Array(code.utf8)]
            let variant = random.pick(Self.variants(code))
            #expect(numbering.number(of: variant) == expected, "\(code.debugDescription)")
        }
        #expect(numbering.skus.map { Array($0.utf8) } == order.map { Array($0.utf8) })
    }

    /// SKUs sort in byte order: a prefix first, then by the first differing byte (not by Unicode
    /// collation, where "é" and "e\u{301}" are equal).
    @Test func skusSortInByteOrder() {
        let codes = ["b", "a", "ab", "", "B", "é", "e\u{301}", "SKU-10", "SKU-9", "SKU-1"]
        let sorted = codes.sorted { CostRuns.precedesInByteOrder($0, $1) }
        #expect(sorted == codes.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        #expect(sorted == ["", "B", "SKU-1", "SKU-10", "SKU-9", "a", "ab", "b", "e\u{301}", "é"])
    }

    @Test func byteOrderEqualsLexicographicallyPrecedes() {
        var random = HistoryRandomness(seed: 44)
        for _ in 0..<5_000 {
            let a = Self.text(&random)
            // Often a prefix of the other, or equal, or equal up to a late byte.
            let b = random.chance(0.3) ? a + Self.text(&random, maxPieces: 2) : random.chance(0.2) ? a : Self.text(&random)
            for (x, y) in [(a, b), (b, a)] {
                let expected = x.utf8.lexicographicallyPrecedes(y.utf8)
                for (u, v) in zip(Self.variants(x), Self.variants(y).reversed()) {
                    #expect(CostRuns.precedesInByteOrder(u, v) == expected, "\(x.debugDescription) \(y.debugDescription)")
                }
            }
        }
    }

    // MARK: - Outflow ids

    @Test func lineIDIsTheInterpolatedText() {
        var random = HistoryRandomness(seed: 45)
        let kinds = ["SALE", "COMP", "PURCHASE_RETURN", "TRANSFER_SHIP", "", "ç"]
        for _ in 0..<5_000 {
            let kind = random.pick(kinds)
            let document = Self.text(&random, maxPieces: 12)
            let line: Int64? = random.chance(0.1)
                ? nil : random.chance(0.1) ? random.pick([Int64.min, Int64.min + 1, -10, -1, 0, 9, 10, Int64.max]) : random.int(1...100_000)
            let expected = "\(kind):\(document):\(line.map { "\($0)" } ?? "")"
            for variant in Self.variants(document) {
                let id = SKUCostRun.lineID(kind, variant, line)
                #expect(Array(id.utf8) == Array(expected.utf8), "\(expected.debugDescription)")
                #expect(id.utf8.count == expected.utf8.count)
            }
        }
    }

    @Test func copyUTF8CopiesEveryByteFromEitherStorage() {
        var random = HistoryRandomness(seed: 46)
        for _ in 0..<2_000 {
            let text = Self.text(&random, maxPieces: 20)
            let offset = Int(random.int(0...5))
            var fromString = [UInt8](repeating: 0xEE, count: offset + text.utf8.count + 3)
            var fromBytes = fromString
            let end = fromString.withUnsafeMutableBufferPointer { SKUCostRun.copyUTF8(text, into: $0, at: offset) }
            let scatteredEnd = fromBytes.withUnsafeMutableBufferPointer {
                SKUCostRun.copyUTF8(bytes: Self.scattered(text), into: $0, at: offset)
            }
            let expected = [UInt8](repeating: 0xEE, count: offset) + Array(text.utf8) + [0xEE, 0xEE, 0xEE]
            #expect(fromString == expected && fromBytes == expected, "\(text.debugDescription)")
            #expect(end == offset + text.utf8.count && scatteredEnd == end)
        }
    }

    // MARK: - The order of §3.2

    /// Against a plain stable sort by `sequenceKey`: events with few instants (many ties), every
    /// direction and source kind, documents that differ late or only in normalisation, equal keys
    /// (which keep their input order), in random, sorted and reversed input order.
    @Test func inSequenceOrderIsAStableSortBySequenceKey() {
        var random = HistoryRandomness(seed: 47)
        let documents = ["D1", "D10", "D2", "é", "e\u{301}", "日本", "", "D1\u{0}"]
        let kinds: [(CostEvent.Kind, LedgerKind)] = [
            (.purchaseReceipt(value: 100), .purchases), (.purchaseReturn(originalDocumentID: nil), .purchases),
            (.sale, .posLines), (.complimentary, .posLines), (.customerReturn(originalOrderID: nil, originalLineNumber: nil), .posLines),
            (.transferShip(destination: "S02"), .transfers), (.transferReceive(origin: "S02"), .transfers),
            (.count(unitCost: nil), .counts),
        ]
        for _ in 0..<400 {
            let count = Int(random.int(0...60))
            var events: [CostEvent] = []
            for row in 0..<count {
                let (kind, source) = random.pick(kinds)
                let at = Instant(nanosecondsSinceEpoch: random.int(0...3) * 1_000)
                let reference = SourceReference(
                    kind: source, documentID: random.pick(documents), lineNumber: random.chance(0.2) ? nil : random.int(1...3),
                    receiptNumber: random.chance(0.7) ? nil : random.int(1...2), fileName: "f.csv", fileRow: row,
                    recordedAt: at)
                events.append(CostEvent(
                    kind: kind, sku: "SKU", location: random.pick(["S01", "S02", "é"]), occurredAt: at, quantity: 1,
                    source: reference))
            }
            let stable = events.enumerated().sorted { a, b in
                if a.element.sequenceKey < b.element.sequenceKey { return true }
                if b.element.sequenceKey < a.element.sequenceKey { return false }
                return a.offset < b.offset
            }.map(\.element)
            #expect(FIFOEngine.inSequenceOrder(events).map(\.source.fileRow) == stable.map(\.source.fileRow))
            // Already in order: returned as it is, which is also the stable sort.
            #expect(FIFOEngine.inSequenceOrder(stable).map(\.source.fileRow) == stable.map(\.source.fileRow))
            // In order of instant and rank, but not of documents and lines within those: still sorted.
            let byInstantAndRank = events.enumerated().sorted { a, b in
                let rankA = a.element.sequenceKey.directionRank * 8 + SequenceKey.sourceKindRank(a.element.source.kind)
                let rankB = b.element.sequenceKey.directionRank * 8 + SequenceKey.sourceKindRank(b.element.source.kind)
                if a.element.occurredAt != b.element.occurredAt { return a.element.occurredAt < b.element.occurredAt }
                if rankA != rankB { return rankA < rankB }
                return a.offset < b.offset
            }.map(\.element)
            let byInstantAndRankStable = byInstantAndRank.enumerated().sorted { a, b in
                if a.element.sequenceKey < b.element.sequenceKey { return true }
                if b.element.sequenceKey < a.element.sequenceKey { return false }
                return a.offset < b.offset
            }.map(\.element)
            #expect(FIFOEngine.inSequenceOrder(byInstantAndRank).map(\.source.fileRow) == byInstantAndRankStable.map(\.source.fileRow))
            let reversed = Array(events.reversed())
            let reversedStable = reversed.enumerated().sorted { a, b in
                if a.element.sequenceKey < b.element.sequenceKey { return true }
                if b.element.sequenceKey < a.element.sequenceKey { return false }
                return a.offset < b.offset
            }.map(\.element)
            #expect(FIFOEngine.inSequenceOrder(reversed).map(\.source.fileRow) == reversedStable.map(\.source.fileRow))
        }
    }

    // MARK: - The parallel run's hand-out

    @Test func takingEachIsAPlainMap() {
        var random = HistoryRandomness(seed: 48)
        for parallel in [false, true] {
            for _ in 0..<50 {
                let original = (0..<Int(random.int(0...300))).map { _ in (0..<Int(random.int(0...20))).map { _ in Int(random.int(-99...99)) } }
                let expected = original.enumerated().map { index, values in values.reduce(index, +) * 3 }
                var elements = original
                let results = CostRuns.takingEach(of: &elements, leaving: [], parallel: parallel) { index, values in
                    values.reduce(index, +) * 3
                }
                #expect(results == expected)
                #expect(elements.count == original.count && elements.allSatisfy(\.isEmpty), "each element is taken out")
            }
        }
    }
}
