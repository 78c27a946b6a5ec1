import Testing
@testable import CountinghouseCore

/// The scanner that finds the line of each key (TOMLKit shows none), on hand-written TOML with
/// every construct that could mislead it, and on generated configuration files (fixed seeds) with
/// one unknown key planted at a known line.
@Suite struct TOMLKeyLinesTests {
    @Test func everyKeyAndTableHasItsLine() {
        let text = """
            # [not] = a header
            "a.b" = 1                      # a quoted key holding a dot
            c.d = "x # not a comment"
            e = '''
            [fake]
            f = 'still the string' ''
            '''
            g = \"\"\"
            \\\"\"\" h = 1
            line ending backslash \\
              i = 2 \"\"\"
            j = [ # ] a comment with a bracket
              { k = 1, 'l' = "}" },
              [1, 2],
              { m = 1979-05-27 07:32:00Z }
            ]

            [n.o]
            p = 1
            [[q]]
            r = 1
            [[q.s]]
            t = 1
            [[q]]
            r = 2\r
            [[q.s]]\r
            t = 2\r
            """
        let lines = TOMLKeyLines(text)
        #expect(lines[[.key("a.b")]] == 2)
        #expect(lines[[.key("a")]] == nil)
        #expect(lines[[.key("c")]] == 3 && lines[[.key("c"), .key("d")]] == 3)
        #expect(lines[[.key("e")]] == 4)
        #expect(lines[[.key("fake")]] == nil && lines[[.key("f")]] == nil)
        #expect(lines[[.key("g")]] == 8)
        #expect(lines[[.key("h")]] == nil && lines[[.key("i")]] == nil)
        #expect(lines[[.key("j")]] == 12)
        #expect(lines[[.key("j"), .index(0)]] == 13)
        #expect(lines[[.key("j"), .index(0), .key("k")]] == 13 && lines[[.key("j"), .index(0), .key("l")]] == 13)
        #expect(lines[[.key("j"), .index(1)]] == 14 && lines[[.key("j"), .index(1), .index(1)]] == 14)
        #expect(lines[[.key("j"), .index(2), .key("m")]] == 15)
        #expect(lines[[.key("n")]] == 18 && lines[[.key("n"), .key("o")]] == 18 && lines[[.key("n"), .key("o"), .key("p")]] == 19)
        #expect(lines.isHeader([.key("n"), .key("o")]) && !lines.isHeader([.key("c")]))
        #expect(lines[[.key("q")]] == 20)
        #expect(lines[[.key("q"), .index(0), .key("r")]] == 21)
        #expect(lines[[.key("q"), .index(0), .key("s"), .index(0), .key("t")]] == 23)
        #expect(lines[[.key("q"), .index(1)]] == 24 && lines[[.key("q"), .index(1), .key("r")]] == 25)
        #expect(lines[[.key("q"), .index(1), .key("s"), .index(0), .key("t")]] == 27)
    }

    /// A header's comment may hold a quote ("the store's code"); an unclosed single-line string
    /// ends at its line. The keys after either keep their lines.
    @Test func quotesInAHeadersCommentDoNotHideTheKeysBelow() {
        let text = """
            [[locations]]  # the store's code
            code = "S01"
            [chart]  # "accounts
            sales = "4000"
            bad = "unclosed
            after = 1
            """
        let lines = TOMLKeyLines(text)
        #expect(lines[[.key("locations"), .index(0), .key("code")]] == 2)
        #expect(lines[[.key("chart")]] == 3)
        #expect(lines[[.key("chart"), .key("sales")]] == 4)
        #expect(lines[[.key("chart"), .key("after")]] == 6)
    }

    /// Generated configuration files: values in every kind of string, blank lines and comments,
    /// multi-line strings holding lines that look like headers and keys, locations as `[[locations]]`
    /// or as one inline array over several lines. Each file is read (its values must come back)
    /// and read again with an unknown key planted in one of its tables: the error names that line.
    @Test func anUnknownKeyIsFoundAtItsLineInGeneratedFiles() {
        var failures: [String] = []
        for seed in UInt64(1)...400 {
            var random = HistoryRandomness(seed: seed)
            let file = GeneratedConfiguration(&random)
            do {
                let configuration = try Configuration.parse(file.text(planting: nil), fileName: "c.toml")
                if configuration.database != file.database || configuration.locations != file.locations {
                    failures.append("seed \(seed): read \(configuration.database) \(configuration.locations)")
                }
            } catch {
                failures.append("seed \(seed): \(error)\n\(file.text(planting: nil))")
            }
            let target = Int(random.int(0...Int64(file.locations.count)))
            let planted = file.text(planting: target)
            do {
                _ = try Configuration.parse(planted, fileName: "c.toml")
                failures.append("seed \(seed): no error")
            } catch {
                // The planted key is the only `colour = "red"` (names hold `colour = 'red'`).
                let line = planted.split(separator: "\n", omittingEmptySubsequences: false)
                    .firstIndex { $0.contains("colour = \"red\"") }.map { $0 + 1 } ?? -1
                let place = target == 0 ? "" : " in [[locations]]"
                if !error.description.hasPrefix("c.toml:\(line): unknown key colour\(place) (") {
                    failures.append("seed \(seed): \(error) (planted at line \(line))\n\(planted)")
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.count) of 400: \(failures.prefix(3).joined(separator: "\n\n"))")
    }
}

/// One generated `countinghouse.toml`: a database and some locations, in varied TOML. The values
/// hold quotes, apostrophes, `#`, and lines that look like headers and keys, so a multi-line string
/// the scanner did not follow would put the keys after it on the wrong lines.
struct GeneratedConfiguration {
    /// What the file holds, as TOML reads it back.
    var database = ""
    var locations: [LocationConfiguration] = []
    private var preamble: [String] = []
    private var databaseLines: [String] = []
    private var inlineLocations = false
    private var locationLines: [[String]] = []
    private var between: [[String]] = []

    init(_ random: inout HistoryRandomness) {
        let texts = [
            "Central warehouse", "Café \"one\"", "it's", "[[locations]]", "x\n[[locations]]\ncode = 'Z'",
            "colour = 'red'", "S # 2", #"C:\ledgers\a.sqlite"#, "a\n[foo]\nb = '''", "\"\"\"\nname = 1",
        ]
        func blanks() -> [String] {
            (0..<Int(random.int(0...2))).map { _ in random.pick(["", "# [[locations]] in a comment", "   ", "# colour = 1"]) }
        }
        /// A string in one of TOML's four forms: its lines, and the value TOML reads from them.
        func value(_ text: String, multiLine allowed: Bool) -> (lines: [String], value: String) {
            let closingAlone = random.chance(0.5)
            switch random.int(0...3) {
            case 0 where !text.contains("'") && !text.contains("\n"):
                return (["'\(text)'"], text)
            case 1 where allowed && !text.contains("'''") && !text.hasSuffix("'"):
                // A newline right after the opening quotes is not part of the string.
                let body = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                if closingAlone { return (["'''"] + body + ["'''"], text + "\n") }
                return (["'''"] + body.dropLast() + [(body.last ?? "") + "'''"], text)
            case 2 where allowed:
                let body = Self.escaped(text, newlines: false).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                if closingAlone { return (["\"\"\""] + body + ["\"\"\""], text + "\n") }
                return (["\"\"\""] + body.dropLast() + [(body.last ?? "") + "\"\"\""], text)
            default:
                return (["\"\(Self.escaped(text, newlines: true))\""], text)
            }
        }
        let inline = random.chance(0.4)
        inlineLocations = inline
        preamble = blanks()
        (databaseLines, database) = value(random.pick(texts), multiLine: true)
        for index in 0..<Int(random.int(1...4)) {
            var location = LocationConfiguration(code: "L\(index)")
            var fields: [(String, [String])] = [("code", ["\"L\(index)\""])]
            if random.chance(0.8) {
                let (lines, name) = value(random.pick(texts), multiLine: !inline)
                location.name = name
                fields.append(("name", lines))
            }
            if random.chance(0.3) {
                location.kind = "warehouse"
                fields.append(("kind", ["'warehouse'"]))
            }
            fields = random.shuffled(fields)
            locations.append(location)
            if inline {
                locationLines.append(["  { " + fields.map { "\($0.0) = \($0.1[0])" }.joined(separator: ", ") + " },"])
            } else {
                var lines: [String] = []
                for (key, valueLines) in fields { lines += ["\(key) = \(valueLines[0])"] + valueLines.dropFirst() + blanks() }
                locationLines.append(lines)
            }
            between.append(blanks())
        }
    }

    /// A basic string's content: backslashes and quotes escaped, and newlines too on one line.
    static func escaped(_ text: String, newlines: Bool) -> String {
        let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return newlines ? escaped.replacingOccurrences(of: "\n", with: "\\n") : escaped
    }

    /// The file; with `planting`, an unknown key `colour` at the top level (0) or in location n (n ≥ 1).
    func text(planting target: Int?) -> String {
        var lines = preamble
        lines += ["database = \(databaseLines[0])"] + databaseLines.dropFirst()
        if target == 0 { lines.append("colour = \"red\"") }
        if inlineLocations {
            lines.append("locations = [  # inline")
            for (index, location) in locationLines.enumerated() {
                lines += between[index]
                var entry = location
                if target == index + 1 { entry = [String(entry[0].dropLast(3)) + ", colour = \"red\" },"] }
                lines += entry
            }
            lines.append("]")
        } else {
            for (index, location) in locationLines.enumerated() {
                lines += between[index] + ["[[locations]]"] + location
                if target == index + 1 { lines.append("colour = \"red\"") }
            }
        }
        return lines.joined(separator: "\n")
    }
}
