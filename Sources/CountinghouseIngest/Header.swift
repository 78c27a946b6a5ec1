// The header row: which columns a file has, and from them which kind it is.
//
// Place in the pipeline: between the CSV reader and the row validator. Columns are found by name
// (ASCII case-insensitive, surrounding spaces trimmed, any order); unknown columns are ignored.
// A kind is detected when it matches the most columns of the header and has all its required
// columns; a tie, or a best match lacking required columns, is an error rather than a guess.
// Errors a user can see (all about the file as a whole, reported on row 1): "the file is empty (no
// header row)", the header's encoding (FieldParsing.swift's `headerEncodingProblem`: UTF-16, NUL
// bytes, "invalid UTF-8 in the header: … save it as CSV UTF-8"), "missing required column quantity", "column sku
// appears twice in the header", "the header fits both X and Y; name the kind with --kind". A
// header no kind fits is worded with the vendor formats in mind (VendorFormat.swift: "unknown file
// format; header begins \"…\" (closest: pos_lines, which lacks quantity, unit_price); name it with
// --kind").

import CountinghouseCore

/// The header's column names, normalised, each with its field position.
struct HeaderColumns {
    /// Normalised name → 0-based field index (the first occurrence).
    private(set) var positions: [String: Int] = [:]
    /// Normalised names that occur more than once.
    private(set) var repeated: Set<String> = []
    let fieldCount: Int

    init(names: [String]) {
        fieldCount = names.count
        for (index, name) in names.enumerated() {
            let normalised = HeaderColumns.normalise(name)
            if normalised.isEmpty { continue }
            if positions[normalised] != nil {
                repeated.insert(normalised)
            } else {
                positions[normalised] = index
            }
        }
    }

    static func normalise(_ name: String) -> String {
        let bytes = Array(name.utf8)
        return bytes.withUnsafeBufferPointer { buffer in
            String(decoding: trimmed(buffer).map(asciiLowercase), as: UTF8.self)
        }
    }

    func position(of column: String) -> Int? { positions[column] }

    /// The required columns of `kind` this header lacks, in schema order.
    func missingRequiredColumns(of kind: LedgerKind) -> [String] {
        kind.schema.columns.filter { $0.requiredInFile && positions[$0.name] == nil }.map(\.name)
    }

    /// How many of `kind`'s columns this header has.
    func matchedColumnCount(of kind: LedgerKind) -> Int {
        kind.schema.columns.filter { positions[$0.name] != nil }.count
    }

    /// The kind this header describes: the kinds matching the most columns are considered; one of
    /// them must have all its required columns. So a pos_lines file that lacks `quantity` is not
    /// taken for an items file because it has `sku`. Nil when none fits (the caller words it with
    /// the vendor formats in mind); an error when several do.
    func detectKind() -> Result<LedgerKind?, FieldProblem> {
        let best = LedgerKind.allCases.map(matchedColumnCount(of:)).max() ?? 0
        let top = LedgerKind.allCases.filter { matchedColumnCount(of: $0) == best }
        let complete = top.filter { missingRequiredColumns(of: $0).isEmpty }
        if complete.count == 1 { return .success(complete[0]) }
        if complete.count > 1 {
            let names = complete.map(\.rawValue)
            let listed = names.dropLast().joined(separator: ", ") + " and " + (names.last ?? "")
            return .failure(FieldProblem("the header fits both \(listed); name the kind with --kind"))
        }
        return .success(nil)
    }

    /// The kinds matching the most columns: of those, the one lacking the fewest required columns,
    /// and what it lacks.
    func closestKind() -> (LedgerKind, [String]) {
        let best = LedgerKind.allCases.map(matchedColumnCount(of:)).max() ?? 0
        let top = LedgerKind.allCases.filter { matchedColumnCount(of: $0) == best }
        let closest = top.min { missingRequiredColumns(of: $0).count < missingRequiredColumns(of: $1).count } ?? .items
        return (closest, missingRequiredColumns(of: closest))
    }

    /// The header problems that reject a file of `kind` outright, as row-1 errors.
    func problems(for kind: LedgerKind, file: String) -> [RowError] {
        var errors: [RowError] = []
        for name in missingRequiredColumns(of: kind) {
            errors.append(RowError(file: file, row: 1, reason: "missing required column \(name)"))
        }
        for column in kind.schema.columns where repeated.contains(column.name) {
            errors.append(RowError(file: file, row: 1, reason: "column \(column.name) appears twice in the header"))
        }
        return errors
    }
}
