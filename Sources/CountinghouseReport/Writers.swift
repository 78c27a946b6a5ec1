// The writers of tables: RFC 4180 CSV for other programs and spreadsheets, JSON for scripts, and an
// aligned text table for a terminal. Each renders a `ReportTable` and nothing else, deterministically:
// the same table gives the same bytes.
import CountinghouseCore

extension ReportCell {
    /// The cell as text: money as a plain decimal (`-1234.50`), dates `YYYY-MM-DD`, date-times ISO
    /// 8601 at their offset, a formula or a link as the value it shows.
    public var text: String {
        switch self {
        case .text(let text), .inputText(let text): return text
        case .money(let amount, let exponent): return formatMinorUnits(amount, exponent: exponent)
        case .integer(let number): return String(number)
        case .date(let date): return date.description
        case .dateTime(let instant, let offset): return instant.iso8601(offsetSeconds: offset)
        case .formula(_, let value): return value.text
        case .link(_, _, _, let label): return label.text
        case .empty: return ""
        }
    }
}

/// RFC 4180 CSV: a header row, then the rows (a total row is for people, not for programs).
public enum CSVWriter {
    public static func render(_ table: ReportTable) -> String {
        var output = ""
        write(table) { output += $0 }
        return output
    }

    /// The same text in pieces of about `pieceSize` bytes (whole rows), handed to `emit` in order:
    /// a writer holds one piece of a long table at a time, never the whole file.
    public static func write<Failure: Error>(
        _ table: ReportTable, pieceSize: Int = 1 << 20, to emit: (String) throws(Failure) -> Void
    ) throws(Failure) {
        var piece = table.columns.map { field($0.name) }.joined(separator: ",") + "\n"
        for row in table.rows {
            piece += row.map(field).joined(separator: ",") + "\n"
            if piece.utf8.count >= pieceSize {
                try emit(piece)
                piece = ""
            }
        }
        if !piece.isEmpty { try emit(piece) }
    }

    /// A cell as a CSV field. Text that came from an input file and begins with `=`, `+`, `-`, `@`,
    /// a tab or a carriage return gets a leading `'`, so that a spreadsheet opening the file shows
    /// it as text instead of running it as a formula (numbers are never touched).
    static func field(_ cell: ReportCell) -> String {
        if case .inputText(let text) = cell.value, let first = text.unicodeScalars.first,
            first == "=" || first == "+" || first == "-" || first == "@" || first == "\t" || first == "\r"
        {
            return field("'" + text)
        }
        return field(cell.text)
    }

    static func field(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else {
            return text
        }
        // Code points, not characters: a `"` followed by a combining mark is one character, and
        // its quote must still be doubled.
        var quoted = String.UnicodeScalarView()
        quoted.append("\"")
        for scalar in text.unicodeScalars {
            if scalar == "\"" { quoted.append("\"") }
            quoted.append(scalar)
        }
        quoted.append("\"")
        return String(quoted)
    }
}

/// JSON for scripts: an array of objects, keys in column order; whole numbers as JSON numbers,
/// money as a decimal string (so no reader turns it into binary floating point), empty as null.
public enum JSONWriter {
    public static func render(_ table: ReportTable) -> String {
        var output = "["
        for (rowIndex, row) in table.rows.enumerated() {
            output += rowIndex == 0 ? "\n  {" : ",\n  {"
            for (index, cell) in row.enumerated() {
                if index > 0 { output += ", " }
                output += string(table.columns[index].name) + ": "
                switch cell.value {
                case .integer(let value): output += String(value)
                case .empty: output += "null"
                default: output += string(cell.text)
                }
            }
            output += "}"
        }
        return output + (table.rows.isEmpty ? "]\n" : "\n]\n")
    }

    /// A JSON string literal.
    public static func string(_ text: String) -> String {
        var output = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        return output + "\""
    }
}

/// An aligned text table for a terminal: columns padded to their widest cell, numbers
/// right-aligned, a rule under the header, the total row (if any) under a second rule.
public enum TextTableWriter {
    public static func render(_ table: ReportTable) -> String {
        let bodies = table.rows.map { $0.map(\.text) }
        let totals = table.totals?.map(\.text)
        var widths = table.columns.map(\.name.count)
        for row in bodies + (totals.map { [$0] } ?? []) {
            for (index, text) in row.enumerated() { widths[index] = max(widths[index], text.count) }
        }
        let numeric = table.columns.indices.map { index in
            !table.rows.isEmpty && table.rows.allSatisfy { $0[index].isNumeric || $0[index] == .empty }
        }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for (index, text) in cells.enumerated() {
                let padding = String(repeating: " ", count: widths[index] - text.count)
                parts.append(numeric[index] ? padding + text : text + padding)
            }
            var joined = parts.joined(separator: "  ")
            while joined.hasSuffix(" ") { joined.removeLast() }
            return joined + "\n"
        }
        let rule = line(widths.map { String(repeating: "-", count: $0) })
        var output = line(table.columnNames) + rule
        for row in bodies { output += line(row) }
        if let totals {
            output += rule + line(totals)
        }
        return output
    }
}

/// How a listing is printed: an aligned table, CSV or JSON.
public enum OutputFormat: String, CaseIterable, Sendable {
    case table, csv, json

    public func render(_ table: ReportTable) -> String {
        switch self {
        case .table: return TextTableWriter.render(table)
        case .csv: return CSVWriter.render(table)
        case .json: return JSONWriter.render(table)
        }
    }
}
