// The configuration: `countinghouse.toml`, then environment variables, then flags.
//
// Place in the pipeline: read once by the CLI at start. This file parses the subset of TOML the
// configuration needs (tables, arrays of tables, strings, integers, booleans, comments) and
// checks the values; the CLI applies the environment and flags on top.
// Errors a user can see: `ConfigurationError`, naming the file, the line and what to fix.

public struct LocationConfiguration: Sendable, Hashable {
    public var code: String
    public var name: String
    public var kind: String

    public init(code: String, name: String = "", kind: String = "store") {
        self.code = code
        self.name = name
        self.kind = kind
    }
}

public struct Configuration: Sendable, Hashable {
    /// A SQLite file path or a PostgreSQL URL.
    public var database: String = "countinghouse.sqlite"
    /// The ledger's functional currency (ISO 4217).
    public var currency: String = "USD"
    /// The reporting time zone (an IANA name such as `America/New_York`).
    public var timeZone: String = "UTC"
    /// The chain's locations; when any are listed, rows naming other locations are rejected.
    public var locations: [LocationConfiguration] = []
    /// The chart of accounts: §5's defaults, with the codes and names `[[accounts]]` changes.
    public var chart = ChartOfAccounts()

    public init() {}

    /// Parses `countinghouse.toml`. Unknown keys are errors (a typo should not be silently ignored).
    public static func parse(_ text: String, fileName: String) throws(ConfigurationError) -> Configuration {
        var configuration = Configuration()
        let document = try TOMLSubset.parse(text, fileName: fileName)
        for (key, entry) in document.root {
            switch key {
            case "database": configuration.database = try entry.string(fileName)
            case "currency":
                let code = try entry.string(fileName).uppercased()
                guard CurrencyTable.exponent(of: code) != nil else {
                    throw ConfigurationError(
                        file: fileName, line: entry.line, message: "currency \(code) is not an ISO 4217 code")
                }
                configuration.currency = code
            case "timezone", "time_zone": configuration.timeZone = try entry.string(fileName)
            default:
                throw ConfigurationError(
                    file: fileName, line: entry.line,
                    message: "unknown key \(key) (expected database, currency, timezone or [[locations]])")
            }
        }
        for (tableName, tables) in document.arrays where tableName == "accounts" {
            for table in tables { try configuration.applyAccount(table, fileName: fileName) }
            if let duplicate = configuration.chart.duplicateCode {
                throw ConfigurationError(
                    file: fileName, line: tables.first?.line ?? 0,
                    message: "account code \(duplicate.code) is both \(duplicate.first.rawValue)'s and \(duplicate.second.rawValue)'s: each role needs its own code")
            }
        }
        for (tableName, tables) in document.arrays where tableName != "accounts" {
            guard tableName == "locations" else {
                throw ConfigurationError(
                    file: fileName, line: tables.first?.line ?? 0,
                    message: "unknown table [[\(tableName)]] (expected [[locations]] or [[accounts]])")
            }
            for table in tables {
                guard let code = table.values["code"] else {
                    throw ConfigurationError(file: fileName, line: table.line, message: "a location needs code = \"…\"")
                }
                var location = LocationConfiguration(code: try code.string(fileName))
                for (key, entry) in table.values where key != "code" {
                    switch key {
                    case "name": location.name = try entry.string(fileName)
                    case "kind": location.kind = try entry.string(fileName)
                    default:
                        throw ConfigurationError(
                            file: fileName, line: entry.line,
                            message: "unknown key \(key) in [[locations]] (expected code, name, kind)")
                    }
                }
                if location.code == inTransitLocation {
                    throw ConfigurationError(
                        file: fileName, line: table.line, message: "the location code IN_TRANSIT is reserved")
                }
                configuration.locations.append(location)
            }
        }
        return configuration
    }
}

public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var message: String

    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
}

extension Configuration {
    /// `[[accounts]]` with `role` (one of §5's, e.g. `inventory`), `code` and/or `name`.
    mutating func applyAccount(_ table: TOMLSubset.Table, fileName: String) throws(ConfigurationError) {
        let roles = AccountRole.allCases.map(\.rawValue).joined(separator: ", ")
        guard let roleEntry = table.values["role"] else {
            throw ConfigurationError(file: fileName, line: table.line, message: "an account needs role = \"…\" (one of \(roles))")
        }
        guard let role = AccountRole(rawValue: try roleEntry.string(fileName)) else {
            throw ConfigurationError(
                file: fileName, line: roleEntry.line, message: "unknown account role (expected one of \(roles))")
        }
        var account = chart[role]
        for (key, entry) in table.values where key != "role" {
            switch key {
            case "code":
                let code = try entry.string(fileName)
                guard !code.isEmpty, code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") })
                else {
                    throw ConfigurationError(
                        file: fileName, line: entry.line,
                        message: "account code \"\(code)\": use letters, digits, - or . (e.g. \"1200\")")
                }
                account.code = code
            case "name": account.name = try entry.string(fileName)
            default:
                throw ConfigurationError(
                    file: fileName, line: entry.line, message: "unknown key \(key) in [[accounts]] (expected role, code, name)")
            }
        }
        // journal.ledger puts the earlier result into it and hledger takes an account's type from
        // the first digit of its code: anything but equity would mix it into assets, liabilities
        // or the income statement.
        if role == .retainedEarnings && account.type != .equity {
            throw ConfigurationError(
                file: fileName, line: table.values["code"]?.line ?? table.line,
                message: "account code \(account.code) for retained_earnings: it is equity, so its code starts with 3 (e.g. \"3900\")")
        }
        chart.setUnchecked(role, to: account)
    }
}

/// The part of TOML the configuration uses.
enum TOMLSubset {
    enum Value: Sendable, Hashable {
        case string(String)
        case integer(Int64)
        case boolean(Bool)
    }

    struct Entry: Sendable, Hashable {
        var value: Value
        var line: Int

        func string(_ fileName: String) throws(ConfigurationError) -> String {
            guard case .string(let text) = value else {
                throw ConfigurationError(file: fileName, line: line, message: "expected a quoted string")
            }
            return text
        }
    }

    struct Table: Sendable {
        var values: [String: Entry] = [:]
        var line: Int
    }

    struct Document: Sendable {
        /// Top-level keys, in file order.
        var root: [(String, Entry)] = []
        /// Arrays of tables (`[[name]]`), in file order.
        var arrays: [(String, [Table])] = []
    }

    static func parse(_ text: String, fileName: String) throws(ConfigurationError) -> Document {
        var document = Document()
        var currentArray: String?
        var lineNumber = 0
        var rootKeys: Set<String> = []
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = stripComment(String(rawLine)).trimmingSpaces()
            if line.isEmpty { continue }
            if line.hasPrefix("[[") {
                guard line.hasSuffix("]]") else {
                    throw ConfigurationError(file: fileName, line: lineNumber, message: "expected [[name]]")
                }
                let name = String(line.dropFirst(2).dropLast(2)).trimmingSpaces()
                currentArray = name
                if let index = document.arrays.firstIndex(where: { $0.0 == name }) {
                    document.arrays[index].1.append(Table(line: lineNumber))
                } else {
                    document.arrays.append((name, [Table(line: lineNumber)]))
                }
                continue
            }
            if line.hasPrefix("[") {
                throw ConfigurationError(
                    file: fileName, line: lineNumber,
                    message: "tables other than [[locations]] and [[accounts]] are not used; put settings at the top of the file")
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw ConfigurationError(file: fileName, line: lineNumber, message: "expected key = value")
            }
            let key = String(line[..<equals]).trimmingSpaces()
            let valueText = String(line[line.index(after: equals)...]).trimmingSpaces()
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
                throw ConfigurationError(file: fileName, line: lineNumber, message: "bad key \"\(key)\"")
            }
            let entry = Entry(value: try parseValue(valueText, fileName: fileName, line: lineNumber), line: lineNumber)
            if let currentArray, let index = document.arrays.firstIndex(where: { $0.0 == currentArray }) {
                let last = document.arrays[index].1.count - 1
                guard document.arrays[index].1[last].values[key] == nil else {
                    throw ConfigurationError(file: fileName, line: lineNumber, message: "\(key) is set twice")
                }
                document.arrays[index].1[last].values[key] = entry
            } else {
                guard rootKeys.insert(key).inserted else {
                    throw ConfigurationError(file: fileName, line: lineNumber, message: "\(key) is set twice")
                }
                document.root.append((key, entry))
            }
        }
        return document
    }

    private static func parseValue(_ text: String, fileName: String, line: Int) throws(ConfigurationError) -> Value {
        if text.hasPrefix("\"") {
            var result = ""
            var escaped = false
            var closed = false
            for character in text.dropFirst() {
                if closed {
                    throw ConfigurationError(file: fileName, line: line, message: "text after the closing quote")
                }
                if escaped {
                    switch character {
                    case "n": result.append("\n")
                    case "t": result.append("\t")
                    case "\"", "\\": result.append(character)
                    default:
                        throw ConfigurationError(file: fileName, line: line, message: "unknown escape \\\(character)")
                    }
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    closed = true
                } else {
                    result.append(character)
                }
            }
            guard closed else { throw ConfigurationError(file: fileName, line: line, message: "unterminated string") }
            return .string(result)
        }
        if text == "true" { return .boolean(true) }
        if text == "false" { return .boolean(false) }
        if let integer = Int64(text.filter { $0 != "_" }) { return .integer(integer) }
        throw ConfigurationError(
            file: fileName, line: line, message: "cannot read value \(text) (strings need double quotes)")
    }

    /// Drops a `#` comment that is not inside a string.
    private static func stripComment(_ line: String) -> String {
        var inString = false
        var escaped = false
        var result = ""
        for character in line {
            if inString {
                if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" {
                    inString = false
                }
            } else if character == "#" {
                break
            } else if character == "\"" {
                inString = true
            }
            result.append(character)
        }
        return result
    }
}

extension String {
    func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" || first == "\r" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" || last == "\r" { scalars.removeLast() }
        return String(scalars)
    }
}
