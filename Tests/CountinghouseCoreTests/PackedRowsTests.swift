import Testing

@testable import CountinghouseCore

/// Packed rows against the slow, obvious version (an array of the rows) on generated cost lines,
/// tenders and settlement records (fixed seed): every field read back as it went in, text byte for
/// byte, integers at their extremes, absent optionals absent.
@Suite struct PackedRowsTests {
    static let kinds: [OutflowKind] = [.sale, .complimentary, .purchaseReturn, .transferShip, .shrinkage]

    static func integer(_ random: inout HistoryRandomness) -> Int64 {
        switch random.int(0...4) {
        case 0: return random.pick([Int64.min, Int64.max, 0, -1, 1, 63, -64, 64, -65, 127, 128])
        case 1: return Int64(bitPattern: random.next())
        default: return random.int(-1_000_000...1_000_000)
        }
    }

    static func line(_ random: inout HistoryRandomness) -> CogsLine {
        CogsLine(
            sku: FastPathsTests.text(&random), sequence: integer(&random), outflowID: FastPathsTests.text(&random, maxPieces: 40),
            kind: random.pick(kinds), occurredAt: Instant(nanosecondsSinceEpoch: integer(&random)),
            location: FastPathsTests.text(&random), documentID: FastPathsTests.text(&random),
            lineNumber: random.chance(0.3) ? nil : integer(&random), quantity: integer(&random), costedQuantity: integer(&random),
            cost: integer(&random), pendingQuantity: integer(&random), provisionalCost: integer(&random),
            cancelledQuantity: integer(&random), flags: FastPathsTests.text(&random))
    }

    static func bytes(_ line: CogsLine) -> [[UInt8]] {
        [line.sku, line.outflowID, line.location, line.documentID, line.flags].map { Array($0.utf8) }
    }

    @Test func linesReadBackAsTheyWentIn() {
        var random = HistoryRandomness(seed: 71)
        let lines = (0..<5_000).map { _ in Self.line(&random) }
        let packed = PackedCogsLines(lines)
        #expect(packed.count == lines.count)
        #expect(Array(packed) == lines)
        #expect(packed.map(Self.bytes) == lines.map(Self.bytes))
        #expect(zip(packed, lines).allSatisfy { $0.lineNumber == $1.lineNumber && $0.kind == $1.kind })
        // Read out of order, each line is still its own.
        for index in [4_999, 0, 2_500, 17, 4_998] { #expect(packed[index] == lines[index]) }
    }

    @Test func equalWhenTheyHoldEqualLines() {
        var random = HistoryRandomness(seed: 72)
        let lines = (0..<100).map { _ in Self.line(&random) }
        var appended = PackedCogsLines()
        appended.reserveCapacity(lines.count)
        for line in lines { appended.append(line) }
        #expect(appended == PackedCogsLines(lines))
        #expect(PackedCogsLines(lines.dropLast()) != PackedCogsLines(lines))
        #expect(PackedCogsLines().isEmpty)
    }

    static func optionalText(_ random: inout HistoryRandomness) -> String? { random.chance(0.3) ? nil : FastPathsTests.text(&random, maxPieces: 30) }

    static func tender(_ random: inout HistoryRandomness) -> POSTender {
        var tender = Rec.card(
            FastPathsTests.text(&random), integer(&random), at: Instant(nanosecondsSinceEpoch: integer(&random)), integer(&random),
            refund: random.chance(0.5), processor: optionalText(&random), ref: optionalText(&random),
            tender: random.pick(TenderKind.codes))
        tender.location = FastPathsTests.text(&random)
        tender.currency = FastPathsTests.text(&random)
        return tender
    }

    static func record(_ random: inout HistoryRandomness) -> SettlementRecord {
        var record = Rec.record(
            FastPathsTests.text(&random), random.pick(Array(SettlementType.allCases)), at: Instant(nanosecondsSinceEpoch: integer(&random)),
            gross: integer(&random) / 2, fee: integer(&random) / 2, processor: FastPathsTests.text(&random), ref: optionalText(&random),
            order: optionalText(&random), payout: optionalText(&random))
        record.currency = FastPathsTests.text(&random)
        record.availableOn = random.chance(0.3) ? nil : CivilDate(daysSinceEpoch: random.int(-100_000...100_000))
        record.vendorCategory = optionalText(&random)
        record.paymentMethod = optionalText(&random)
        return record
    }

    @Test func tendersAndRecordsReadBackAsTheyWentIn() {
        var random = HistoryRandomness(seed: 73)
        let tenders = (0..<3_000).map { _ in Self.tender(&random) }
        let records = (0..<3_000).map { _ in Self.record(&random) }
        let packedTenders = PackedRows(tenders)
        let packedRecords = PackedRows(records)
        #expect(Array(packedTenders) == tenders)
        #expect(Array(packedRecords) == records)
        #expect(packedTenders.map { [$0.orderID, $0.location, $0.paymentRef ?? "-"].map { Array($0.utf8) } }
            == tenders.map { [$0.orderID, $0.location, $0.paymentRef ?? "-"].map { Array($0.utf8) } })
        #expect(packedRecords.map { [$0.recordID, $0.paymentRef, $0.payoutID].map { $0.map { Array($0.utf8) } } }
            == records.map { [$0.recordID, $0.paymentRef, $0.payoutID].map { $0.map { Array($0.utf8) } } })
        let order = random.shuffled(Array(records.indices))
        #expect(Array(RowsInOrder(packedRecords, order: order.map(Int32.init))) == order.map { records[$0] })
    }

    /// Every text field's bytes, reached by its place in `packedFields`, are the row's: the places
    /// the shapes give match what `pack` writes.
    @Test func textFieldsAreFoundByTheirPlace() {
        var random = HistoryRandomness(seed: 74)
        let tenders = (0..<500).map { _ in Self.tender(&random) }
        let records = (0..<500).map { _ in Self.record(&random) }
        let lines = (0..<500).map { _ in Self.line(&random) }
        func bytes(_ text: String?) -> [UInt8]? { text.map { Array($0.utf8) } }
        let tenderTexts: [(Int, (POSTender) -> String?)] = [
            (0, \.paymentRef), (1, \.orderID), (4, \.location), (5, \.tender.rawValue), (6, \.type.rawValue), (8, \.currency), (9, \.processor),
        ]
        let recordTexts: [(Int, (SettlementRecord) -> String?)] = [
            (0, \.paymentRef), (1, \.orderID), (2, \.payoutID), (3, \.processor), (4, \.recordID), (5, \.type.rawValue), (7, \.currency),
            (12, \.vendorCategory), (13, \.paymentMethod),
        ]
        let lineTexts: [(Int, (CogsLine) -> String?)] = [
            (0, \.sku), (2, \.outflowID), (3, \.kind.rawValue), (5, \.location), (6, \.documentID), (14, \.flags),
        ]
        #expect(POSTender.packedFields.count == 10 && SettlementRecord.packedFields.count == 14 && CogsLine.packedFields.count == 15)
        #expect(POSTender.paymentRefField == 0 && POSTender.orderIDField == 1)
        #expect(SettlementRecord.paymentRefField == 0 && SettlementRecord.orderIDField == 1 && SettlementRecord.payoutIDField == 2)
        let (packedTenders, packedRecords, packedLines) = (PackedRows(tenders), PackedRows(records), PackedRows(lines))
        for (field, text) in tenderTexts {
            #expect(tenders.indices.allSatisfy { packedTenders.textBytes($0, field: field).map(Array.init) == bytes(text(tenders[$0])) }, "tender field \(field)")
        }
        for (field, text) in recordTexts {
            #expect(records.indices.allSatisfy { packedRecords.textBytes($0, field: field).map(Array.init) == bytes(text(records[$0])) }, "record field \(field)")
        }
        for (field, text) in lineTexts {
            #expect(lines.indices.allSatisfy { packedLines.textBytes($0, field: field).map(Array.init) == bytes(text(lines[$0])) }, "cost line field \(field)")
        }
    }

    /// A word is held once however many rows name it: 1,000 copies of a tender take 1,000 times
    /// its fields' bytes and its words' bytes once.
    @Test func wordsAreHeldOnce() {
        let tender = Rec.card("S01-1", 1, at: Instant(nanosecondsSinceEpoch: 1_790_000_000_000_000_000), 1_299, ref: "ch_1")
        let words = [tender.location, "CARD", "PAYMENT", tender.currency, "stripe"]
        #expect(Set(words).count == words.count)
        let wordBytes = words.reduce(0) { $0 + $1.utf8.count }
        let one = PackedRows([tender]).byteCount
        let many = PackedRows(Array(repeating: tender, count: 1_000))
        #expect(many.byteCount == 1_000 * (one - wordBytes) + wordBytes)
        #expect(many.allSatisfy { $0 == tender })
    }

    /// Words are told apart by their bytes: two canonically equivalent locations, payouts and
    /// SKUs are two words, each read back as it went in.
    @Test func wordsAreTheirBytes() {
        let (precomposed, combining) = ("caf\u{E9}", "cafe\u{301}")
        var tenders = [Rec.card("A", at: Instant(nanosecondsSinceEpoch: 0), 1), Rec.card("B", at: Instant(nanosecondsSinceEpoch: 0), 1)]
        tenders[0].location = precomposed
        tenders[1].location = combining
        let records = [precomposed, combining, precomposed].map {
            Rec.record("r", .payout, at: Instant(nanosecondsSinceEpoch: 0), gross: 1, processor: $0, payout: $0)
        }
        let packedTenders = PackedRows(tenders)
        let packedRecords = PackedRows(records)
        #expect(packedTenders.map { Array($0.location.utf8) } == tenders.map { Array($0.location.utf8) })
        #expect(packedRecords.map { Array($0.processor.utf8) } == records.map { Array($0.processor.utf8) })
        #expect(records.indices.allSatisfy {
            packedRecords.textBytes($0, field: SettlementRecord.payoutIDField).map(Array.init) == records[$0].payoutID.map { Array($0.utf8) }
        })
    }

    /// Instants to the second and to the nanosecond, before and after 1970, at Int64's ends; and
    /// rows past a block of 65,536, each where it was put.
    @Test func instantsAndBlocksReadBackAsTheyWentIn() {
        let nanoseconds: [Int64] = [
            0, 1, -1, 999_999_999, 1_000_000_000, -1_000_000_000, -999_999_999, 1_790_000_000_000_000_000, 1_790_000_000_000_000_001,
            -1_790_000_000_123_456_789, .max, .min, .max - 999_999_999, .min + 1,
        ]
        var random = HistoryRandomness(seed: 75)
        let tenders = (0..<140_000).map { index -> POSTender in
            let at = index < nanoseconds.count ? nanoseconds[index] : PackedRowsTests.integer(&random)
            return Rec.card("S\(index)", Int64(index), at: Instant(nanosecondsSinceEpoch: at), Int64(index))
        }
        let packed = PackedRows(tenders)
        #expect(packed.count == tenders.count)
        for index in Array(0..<nanoseconds.count) + [65_535, 65_536, 65_537, 131_071, 131_072, 139_999] {
            #expect(packed[index] == tenders[index], "row \(index)")
        }
        #expect(Array(packed) == tenders)
        // Whole seconds take fewer bytes than the same instants with nanoseconds.
        let whole = PackedRows(tenders.prefix(1_000).map { var tender = $0; tender.occurredAt = Instant(nanosecondsSinceEpoch: 1_790_000_000_000_000_000); return tender })
        let fractional = PackedRows(tenders.prefix(1_000).map { var tender = $0; tender.occurredAt = Instant(nanosecondsSinceEpoch: 1_790_000_000_000_000_001); return tender })
        #expect(whole.byteCount < fractional.byteCount)
    }
}
