// Helpers of the vendor readers' tests: validate a vendor file's text with given settings, and
// show rows as the canonical values they hold.

import CountinghouseCore
import Foundation
import Testing

@testable import CountinghouseIngest

/// The rows of a valid file, or its errors' full messages.
func readVendor(
    _ text: String, settings: IngestSettings = IngestSettings(), kind: LedgerKind? = nil, file: String = "in.csv"
) -> Result<(LedgerKind, [LedgerRow]), IngestFailure> {
    FileIngestor(settings: settings).validate(bytes: Array(text.utf8), displayName: file, kind: kind).map { ($0.0.kind, $0.1) }
}

/// The errors' full messages (empty when the file is valid).
func vendorErrors(_ text: String, settings: IngestSettings = IngestSettings(), kind: LedgerKind? = nil) -> [String] {
    switch readVendor(text, settings: settings, kind: kind) {
    case .success: return []
    case .failure(let failure): return failure.errors.map(\.description)
    }
}

/// The rows of a valid file (recording an issue otherwise).
func vendorRows(
    _ text: String, settings: IngestSettings = IngestSettings(), kind: LedgerKind? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) -> [LedgerRow] {
    switch readVendor(text, settings: settings, kind: kind) {
    case .success(let (_, rows)): return rows
    case .failure(let failure):
        Issue.record("expected a valid file: \(failure)", sourceLocation: sourceLocation)
        return []
    }
}

/// A row's values by column name, text as stored (`nil` for null), for readable expectations.
func named(_ row: LedgerRow) -> [String: String] {
    var result: [String: String] = [:]
    for (column, value) in zip(row.kind.schema.columns, row.values) {
        switch value {
        case .null: continue
        case .text(let text): result[column.name] = text
        case .integer(let number):
            switch column.type {
            case .instant: result[column.name] = Instant(nanosecondsSinceEpoch: number).iso8601()
            case .money: result[column.name] = formatMinorUnits(number, exponent: 2)
            default: result[column.name] = "\(number)"
            }
        }
    }
    return result
}

/// The same text with CRLF line ends and a byte-order mark.
func withBOMAndCRLF(_ text: String) -> String {
    "\u{FEFF}" + text.replacingOccurrences(of: "\n", with: "\r\n")
}
