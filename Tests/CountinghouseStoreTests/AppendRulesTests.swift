// The duplicate/conflict decision of an append (AppendRules.swift), without a database: each rule,
// and the order in which they apply when several facts hold at once.
import CountinghouseCore
import Testing

@testable import CountinghouseStore

@Suite("AppendRules")
struct AppendRulesTests {
    static let earlier = StoredRow(row: posLine("A1", 1, row: 3), recordedAt: instant(1), fileID: 1, fileName: "old.csv")
    static let ship = StoredRow(
        row: transfer("T1", line: 1, type: "SHIP", sku: "SKU-A", row: 2), recordedAt: instant(1), fileID: 1,
        fileName: "ship.csv")

    @Test func aKeyTheLedgerDoesNotHoldIsNew() {
        #expect(AppendRules.decide(versioned: false, AppendFacts()) == .new)
        #expect(AppendRules.decide(versioned: true, AppendFacts()) == .new)
    }

    @Test func identicalContentIsADuplicateOfEitherKind() {
        #expect(AppendRules.decide(versioned: false, AppendFacts(ledger: .identical)) == .duplicate)
        #expect(AppendRules.decide(versioned: true, AppendFacts(ledger: .identical)) == .duplicate)
    }

    @Test func otherContentIsAConflictUnlessTheKindKeepsVersions() {
        #expect(
            AppendRules.decide(versioned: false, AppendFacts(ledger: .different(Self.earlier)))
                == .conflict(existing: Self.earlier))
        #expect(AppendRules.decide(versioned: true, AppendFacts(ledger: .different(Self.earlier))) == .newVersion)
    }

    @Test func aKeyRepeatedInTheFileIsRefusedWhateverTheLedgerHolds() {
        for ledger in [LedgerMatch.absent, .identical, .different(Self.earlier)] {
            for versioned in [false, true] {
                let facts = AppendFacts(earlierRowInFile: 7, ledger: ledger, transferLineMismatch: Self.ship)
                #expect(AppendRules.decide(versioned: versioned, facts) == .repeatedKey(firstRow: 7))
            }
        }
    }

    @Test func aTransferLineThatDiffersIsRefusedUnlessTheRowIsADuplicateOrAConflict() {
        #expect(
            AppendRules.decide(versioned: false, AppendFacts(transferLineMismatch: Self.ship))
                == .transferMismatch(existing: Self.ship))
        // A duplicate is skipped and never also a mismatch; a conflict is reported as a conflict.
        #expect(
            AppendRules.decide(versioned: false, AppendFacts(ledger: .identical, transferLineMismatch: Self.ship))
                == .duplicate)
        #expect(
            AppendRules.decide(
                versioned: false, AppendFacts(ledger: .different(Self.earlier), transferLineMismatch: Self.ship))
                == .conflict(existing: Self.earlier))
    }

    @Test func refusalsCarryTheirMessages() {
        let incoming = posLine("A1", 1, row: 9, price: 1300)
        #expect(AppendDecision.new.rowError(fileName: "new.csv", incoming: incoming) == nil)
        #expect(AppendDecision.duplicate.rowError(fileName: "new.csv", incoming: incoming) == nil)
        #expect(
            AppendDecision.repeatedKey(firstRow: 2).rowError(fileName: "new.csv", incoming: incoming)?.description
                == "new.csv:9: natural key (order_id=A1, line_no=1) repeats row 2 of the same file")
        let conflict = AppendDecision.conflict(existing: Self.earlier).rowError(fileName: "new.csv", incoming: incoming)
        #expect(conflict?.column == "unit_price" && conflict?.row == 9)
        #expect(conflict?.reason.contains("(ledger: file old.csv row 3)") == true)
    }
}
