// Square's Items Detail → pos_lines and Transactions → pos_tenders (FORMATS §3.3): recognised by
// their header, not read yet (every row is refused, so nothing of such a file is ingested).

import CountinghouseCore

struct SquareColumns {
    init(_ header: HeaderColumns, settings: IngestSettings) {}
}

extension VendorReader {
    mutating func mapSquareItem(_ record: CSVRecord, errors: inout [RowError]) {
        errors.append(RowError(file: file, row: record.number, reason: "Square exports are not read yet"))
    }

    mutating func mapSquareTransaction(_ record: CSVRecord, errors: inout [RowError]) {
        errors.append(RowError(file: file, row: record.number, reason: "Square exports are not read yet"))
    }
}
