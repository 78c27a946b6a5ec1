// The configuration: `countinghouse.toml`, then environment variables, then flags.
//
// Place in the pipeline: read once by the CLI at start. TOMLKit (toml++) reads the file as TOML;
// `ConfigurationSchema` says which tables and keys the configuration knows and of which type, and
// `Configuration.parse` checks the document against it, then checks the values; the CLI applies
// the environment and flags on top. A new table (say `[reconciliation]`) is a new entry in the
// schema and the few lines that use its values, not parser work.
// Errors a user can see: `ConfigurationError`, naming the file, the line and what to fix — a TOML
// syntax error with toml++'s line (and, for the usual mistakes, our wording), an unknown key or
// table, a value of the wrong type, or a value the configuration cannot use. toml++ keeps no line
// that TOMLKit shows for a value, so `TOMLKeyLines` finds the line of a key in the text.

import TOMLKit

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
    /// The company the books are of, as the workbook's Summary and document properties name it
    /// (empty: not named).
    public var company: String = ""
    /// The ledger's functional currency (ISO 4217).
    public var currency: String = "USD"
    /// The reporting time zone (an IANA name such as `America/New_York`).
    public var timeZone: String = "UTC"
    /// The chain's locations; when any are listed, rows naming other locations are rejected.
    public var locations: [LocationConfiguration] = []
    /// The chart of accounts: §5's defaults, with the codes and names `[[accounts]]` changes.
    public var chart = ChartOfAccounts()
    /// How long a writer (an ingest, a close, a cost refresh) waits for another one's lock on the
    /// ledger before it fails, in whole seconds.
    public var busyTimeoutSeconds: Int64 = 10
    /// `[reconciliation]`: tolerance, window, lag and the fee schedule (SEMANTICS §6.10).
    public var reconciliation = ReconciliationSettings()
    /// The vendor readers' settings (`[stripe]`, `[adyen]`, `[square]`; VendorConfiguration.swift).
    public var vendors = VendorConfiguration()
    /// `[run]`: the nightly run's inbox, outbox, retries and lock wait (RunConfiguration.swift).
    public var run = RunSettings()

    public init() {}

    /// What `countinghouse.toml` may hold. Unknown keys and tables are errors (a typo should not be
    /// silently ignored).
    static let schema = ConfigurationSchema(
        keys: [
            .init("database", .string), .init("company", .string), .init("currency", .string), .init("timezone", .string),
            .init("time_zone", .string, listed: false), .init("busy_timeout_seconds", .integer),
        ],
        arrays: [
            "locations": ConfigurationSchema(keys: [.init("code", .string), .init("name", .string), .init("kind", .string)]),
            "accounts": ConfigurationSchema(keys: [.init("role", .string), .init("code", .string), .init("name", .string)]),
        ],
        tables: VendorConfiguration.schemaTables.merging(["reconciliation": reconciliationSchema, "run": runSchema]) { first, _ in first },
        order: ["locations", "accounts"] + VendorConfiguration.schemaOrder + ["reconciliation", "run"])

    /// Parses `countinghouse.toml`.
    public static func parse(_ text: String, fileName: String) throws(ConfigurationError) -> Configuration {
        let document = try ConfigurationDocument(text, fileName: fileName, schema: schema)
        let root = document.root
        var configuration = Configuration()
        if let database = root.string("database") { configuration.database = database }
        if let company = root.string("company") { configuration.company = company }
        if let currency = root.string("currency") {
            let code = currency.uppercased()
            guard CurrencyTable.exponent(of: code) != nil else {
                throw root.error(at: "currency", "currency \(code) is not an ISO 4217 code")
            }
            configuration.currency = code
        }
        if let seconds = root.integer("busy_timeout_seconds") {
            guard (0...86_400).contains(seconds) else {
                throw root.error(at: "busy_timeout_seconds", "busy_timeout_seconds \(seconds) is not a whole number of seconds from 0 to 86400")
            }
            configuration.busyTimeoutSeconds = seconds
        }
        // Either spelling; when both are there, the later line wins (as it always has).
        for key in root.present(["timezone", "time_zone"]) { configuration.timeZone = root.string(key) ?? configuration.timeZone }

        let accounts = root.arrays["accounts"] ?? []
        for table in accounts { try configuration.applyAccount(table) }
        if let duplicate = configuration.chart.duplicateCode, let first = accounts.first {
            throw first.error(
                "account code \(duplicate.code) is both \(duplicate.first.rawValue)'s and \(duplicate.second.rawValue)'s: each role needs its own code")
        }
        for table in root.arrays["locations"] ?? [] {
            guard let code = table.string("code") else { throw table.error("a location needs code = \"…\"") }
            if code == inTransitLocation { throw table.error("the location code IN_TRANSIT is reserved") }
            var location = LocationConfiguration(code: code)
            if let name = table.string("name") { location.name = name }
            if let kind = table.string("kind") { location.kind = kind }
            configuration.locations.append(location)
        }
        if let table = root.tables["reconciliation"] { try configuration.applyReconciliation(table) }
        if let table = root.tables["run"] { try configuration.applyRun(table) }
        try configuration.vendors.apply(root)
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
    mutating func applyAccount(_ table: ConfigurationTable) throws(ConfigurationError) {
        let roles = AccountRole.allCases.map(\.rawValue).joined(separator: ", ")
        guard let roleName = table.string("role") else {
            throw table.error("an account needs role = \"…\" (one of \(roles))")
        }
        guard let role = AccountRole(rawValue: roleName) else {
            throw table.error(at: "role", "unknown account role (expected one of \(roles))")
        }
        var account = chart[role]
        if let code = table.string("code") {
            guard !code.isEmpty, code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }) else {
                throw table.error(at: "code", "account code \"\(code)\": use letters, digits, - or . (e.g. \"1200\")")
            }
            account.code = code
        }
        if let name = table.string("name") { account.name = name }
        // journal.ledger puts the earlier result into it and hledger takes an account's type from
        // the first digit of its code: anything but equity would mix it into assets, liabilities
        // or the income statement.
        if role == .retainedEarnings && account.type != .equity {
            throw table.error(
                at: table.string("code") == nil ? nil : "code",
                "account code \(account.code) for retained_earnings: it is equity, so its code starts with 3 (e.g. \"3900\")")
        }
        chart.setUnchecked(role, to: account)
    }
}

// MARK: - The schema, and a document checked against it

/// What one table of the configuration may hold: keys with their types, and the arrays of tables
/// (`[[name]]`) and tables (`[name]`) under it, each with its own schema. Anything else is an
/// error naming it.
struct ConfigurationSchema: Sendable {
    enum ValueType: Sendable {
        case string
        case integer
        case boolean

        /// What the message says a value should be.
        var expected: String {
            switch self {
            case .string: return "a quoted string"
            case .integer: return "a whole number"
            case .boolean: return "true or false"
            }
        }
    }

    struct Key: Sendable {
        var name: String
        var type: ValueType
        /// Whether messages list it among the expected keys (an alternative spelling is not).
        var listed: Bool

        init(_ name: String, _ type: ValueType, listed: Bool = true) {
            self.name = name
            self.type = type
            self.listed = listed
        }
    }

    var keys: [Key]
    var arrays: [String: ConfigurationSchema]
    var tables: [String: ConfigurationSchema]
    /// Tables of names the file chooses (`[adyen.time_zone_abbreviations]`, or an inline table),
    /// each value of the given type.
    var maps: [String: ValueType]
    /// The order messages list the arrays and tables in (a dictionary has none).
    var order: [String]

    init(
        keys: [Key], arrays: [String: ConfigurationSchema] = [:], tables: [String: ConfigurationSchema] = [:],
        maps: [String: ValueType] = [:], order: [String] = []
    ) {
        precondition(Set(order) == Set(arrays.keys).union(tables.keys), "the order names every array and table")
        self.keys = keys
        self.arrays = arrays
        self.tables = tables
        self.maps = maps
        self.order = order
    }

    func key(_ name: String) -> Key? { keys.first { $0.name == name } }

    /// The nested tables as a header names them: `[[name]]` or `[name]`, in `order`.
    func headers(under prefix: String) -> [String] {
        order.map { arrays[$0] != nil ? "[[\(prefix)\($0)]]" : "[\(prefix)\($0)]" }
    }
}

/// A value the schema allows.
enum ConfigurationValue: Sendable, Hashable {
    case string(String)
    case integer(Int64)
    case boolean(Bool)
}

/// One table of the file, checked against its schema: its values, its nested tables, and where
/// each of them is in the file, for messages.
struct ConfigurationTable: Sendable {
    var fileName: String
    /// How messages name the table: empty for the top level, `[[accounts]]`, `[reconciliation]`.
    var header: String
    /// The table's own line (its header; 0 for the top level).
    var line: Int
    var values: [String: ConfigurationValue] = [:]
    var keyLines: [String: Int] = [:]
    var arrays: [String: [ConfigurationTable]] = [:]
    var tables: [String: ConfigurationTable] = [:]
    /// The tables of names (`ConfigurationSchema.maps`), each entry with its line, in file order.
    var maps: [String: [MapEntry]] = [:]

    struct MapEntry: Sendable {
        var key: String
        var value: ConfigurationValue
        var line: Int
    }

    func string(_ key: String) -> String? {
        if case .string(let text)? = values[key] { return text }
        return nil
    }

    func integer(_ key: String) -> Int64? {
        if case .integer(let number)? = values[key] { return number }
        return nil
    }

    func boolean(_ key: String) -> Bool? {
        if case .boolean(let flag)? = values[key] { return flag }
        return nil
    }

    /// Which of these keys are set, in file order.
    func present(_ keys: [String]) -> [String] {
        keys.filter { values[$0] != nil }.sorted { keyLines[$0, default: 0] < keyLines[$1, default: 0] }
    }

    /// An error on the line of `key` (or of the table, when it is nil or not set).
    func error(at key: String? = nil, _ message: String) -> ConfigurationError {
        ConfigurationError(file: fileName, line: key.flatMap { keyLines[$0] } ?? line, message: message)
    }

    /// An error on a given line (an entry of a table of names).
    func error(line: Int, _ message: String) -> ConfigurationError {
        ConfigurationError(file: fileName, line: line, message: message)
    }
}

/// The whole file: read by TOMLKit, checked against the schema, every key with its line.
struct ConfigurationDocument {
    var root: ConfigurationTable

    init(_ text: String, fileName: String, schema: ConfigurationSchema) throws(ConfigurationError) {
        if let nul = text.utf8.firstIndex(of: 0) {
            // TOMLKit hands toml++ a C string, which would end there without a word.
            let line = text.utf8[..<nul].reduce(1) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
            throw ConfigurationError(file: fileName, line: line, message: "the file holds a NUL byte")
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw Self.syntaxError(error, text: text, fileName: fileName)
        } catch {
            throw ConfigurationError(file: fileName, line: 0, message: "cannot read the file as TOML: \(error)")
        }
        let lines = TOMLKeyLines(text)
        root = try Self.check(table, schema: schema, path: [], name: "", isArray: false, fileName: fileName, lines: lines)
    }

    /// Walks a table in file order: every key must be the schema's, of its type. `name` is the
    /// table's dotted name (empty at the top level).
    private static func check(
        _ table: TOMLTable, schema: ConfigurationSchema, path: TOMLPath, name: String, isArray: Bool, fileName: String,
        lines: TOMLKeyLines
    ) throws(ConfigurationError) -> ConfigurationTable {
        let header = name.isEmpty ? "" : isArray ? "[[\(name)]]" : "[\(name)]"
        var result = ConfigurationTable(fileName: fileName, header: header, line: lines[path] ?? 0)
        let prefix = name.isEmpty ? "" : name + "."
        let keys = table.keys.sorted { (lines[path + [.key($0)]] ?? 0, $0) < (lines[path + [.key($1)]] ?? 0, $1) }
        for key in keys {
            guard let value = table[key] else { continue }
            let keyPath = path + [.key(key)]
            let line = lines[keyPath] ?? result.line
            func fail(_ message: String) -> ConfigurationError { ConfigurationError(file: fileName, line: line, message: message) }
            let inTable = header.isEmpty ? "" : " in \(header)"
            if let expected = schema.key(key) {
                result.keyLines[key] = line
                switch (expected.type, value.type) {
                case (.string, .string): result.values[key] = .string(value.string ?? "")
                case (.integer, .int): result.values[key] = .integer(Int64(value.int ?? 0))
                case (.boolean, .bool): result.values[key] = .boolean(value.bool ?? false)
                default:
                    throw fail("\(key)\(inTable) must be \(expected.type.expected), not \(Self.describe(value.type))")
                }
            } else if let nested = schema.arrays[key] {
                guard let array = value.array, array.allSatisfy({ $0.type == .table }) else {
                    throw fail("\(key)\(inTable) must be tables written [[\(prefix)\(key)]], not \(Self.describe(value.type))")
                }
                var tables: [ConfigurationTable] = []
                for (index, element) in array.enumerated() {
                    guard let elementTable = element.table else { continue }
                    tables.append(try check(
                        elementTable, schema: nested, path: keyPath + [.index(index)], name: prefix + key, isArray: true,
                        fileName: fileName, lines: lines))
                }
                result.arrays[key] = tables
            } else if let valueType = schema.maps[key] {
                guard let subtable = value.table else {
                    throw fail("\(key)\(inTable) must be a table written [\(prefix)\(key)], not \(Self.describe(value.type))")
                }
                result.maps[key] = try Self.entries(
                    subtable, of: valueType, path: keyPath, name: prefix + key, fileName: fileName, lines: lines, fallbackLine: line)
            } else if let nested = schema.tables[key] {
                guard let subtable = value.table else {
                    throw fail("\(key)\(inTable) must be a table written [\(prefix)\(key)], not \(Self.describe(value.type))")
                }
                result.tables[key] = try check(
                    subtable, schema: nested, path: keyPath, name: prefix + key, isArray: false, fileName: fileName, lines: lines)
            } else {
                throw fail(Self.unknown(key, value: value, schema: schema, header: header, prefix: prefix, lines: lines, path: keyPath))
            }
        }
        return result
    }

    /// The entries of a table of names, in file order, each of `type`.
    private static func entries(
        _ table: TOMLTable, of type: ConfigurationSchema.ValueType, path: TOMLPath, name: String, fileName: String,
        lines: TOMLKeyLines, fallbackLine: Int
    ) throws(ConfigurationError) -> [ConfigurationTable.MapEntry] {
        var entries: [ConfigurationTable.MapEntry] = []
        for key in table.keys {
            guard let value = table[key] else { continue }
            let line = lines[path + [.key(key)]] ?? fallbackLine
            let checked: ConfigurationValue
            switch (type, value.type) {
            case (.string, .string): checked = .string(value.string ?? "")
            case (.integer, .int): checked = .integer(Int64(value.int ?? 0))
            case (.boolean, .bool): checked = .boolean(value.bool ?? false)
            default:
                throw ConfigurationError(
                    file: fileName, line: line,
                    message: "\"\(key)\" in [\(name)] must be \(type.expected), not \(Self.describe(value.type))")
            }
            entries.append(.init(key: key, value: checked, line: line))
        }
        return entries.sorted { ($0.line, $0.key) < ($1.line, $1.key) }
    }

    /// What is wrong with a name the schema does not know, and what it knows there.
    private static func unknown(
        _ key: String, value: TOMLValueConvertible, schema: ConfigurationSchema, header: String, prefix: String,
        lines: TOMLKeyLines, path: TOMLPath
    ) -> String {
        let nested = schema.headers(under: prefix)
        func sentence(_ items: [String], _ conjunction: String) -> String {
            items.count < 2 ? items.joined() : items.dropLast().joined(separator: ", ") + " \(conjunction) " + (items.last ?? "")
        }
        // A header in the file (`[name]` or `[[name]]`) rather than a key.
        if lines.isHeader(path) {
            if value.type == .array {
                return "unknown table [[\(prefix)\(key)]] (expected \(sentence(nested, "or")))"
            }
            if header.isEmpty {
                return "tables other than \(sentence(nested, "and")) are not used; put settings at the top of the file"
            }
            return "unknown table [\(prefix)\(key)] (expected \(sentence(nested, "or")))"
        }
        let known = schema.keys.filter(\.listed).map(\.name) + schema.maps.keys.sorted() + nested
        let inTable = header.isEmpty ? "" : " in \(header)"
        return "unknown key \(key)\(inTable) (expected \(known.joined(separator: ", ")))"
    }

    private static func describe(_ type: TOMLType) -> String {
        switch type {
        case .string: return "a string"
        case .int: return "a whole number"
        case .double: return "a number with a fraction"
        case .bool: return "true or false"
        case .table: return "a table"
        case .array: return "an array"
        case .date, .time, .dateTime: return "a date or time"
        }
    }

    /// A syntax error at toml++'s line. The usual mistakes keep the words this file has always
    /// used (the subset reader's); anything else is toml++'s own description.
    static func syntaxError(_ error: TOMLParseError, text: String, fileName: String) -> ConfigurationError {
        let line = error.source.begin.line
        let description = error.description
        var message = description
        if description.hasSuffix("could not determine value type") {
            let found = Self.valueText(in: text, line: line, column: error.source.begin.column)
            message = "cannot read value \(found) (strings need double quotes)"
        } else if let range = description.range(of: "cannot redefine existing ") {
            // "… cannot redefine existing string 'database'": the name is between the quotes.
            let rest = description[range.upperBound...]
            if let open = rest.firstIndex(of: "'"), let close = rest.lastIndex(of: "'"), open < close {
                message = "\(rest[rest.index(after: open)..<close]) is set twice"
            }
        } else if description.contains("expected '='") {
            message = "expected key = value"
        } else if description.hasPrefix("Error while parsing string")
            && (description.hasSuffix("encountered end-of-file")
                || description.contains("control characters") && Self.valueText(in: text, line: line, column: error.source.begin.column).isEmpty)
        {
            // A quoted string still open at the end of the file, or at the end of its line (toml++
            // calls the line break a control character).
            message = "unterminated string"
        }
        return ConfigurationError(file: fileName, line: line, message: message)
    }

    /// The unreadable value at a line and column (toml++ counts code points): up to a comment or
    /// the end of the line.
    static func valueText(in text: String, line: Int, column: Int) -> String {
        let lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
        guard line >= 1, line <= lines.count else { return "" }
        let scalars = Array(lines[line - 1])
        var value = scalars[min(max(column - 1, 0), scalars.count)...].prefix { $0 != "#" }
        while let last = value.last, last == " " || last == "\t" || last == "\r" { value.removeLast() }
        var result = ""
        result.unicodeScalars.append(contentsOf: value)
        return result
    }
}
