import Foundation
import Testing

/// `run --workers N`: the cost refresh shared by N processes against one PostgreSQL ledger gives the
/// bytes one process gives (the outbox, the costs, verify); SQLite, one writer at a time, refuses it.
@Suite struct CostWorkersTests {
    /// Four days of sample-data/ (every SKU of the sample chain moves), each run the next morning,
    /// the later runs repricing from checkpoints.
    static let days = ["2026-10-01", "2026-10-02", "2026-10-03", "2026-10-20", "2026-10-23"]

    func runDays(_ cli: CLI, workers: Int) throws -> [CLI.Result] {
        var results: [CLI.Result] = []
        for day in Self.days {
            let source = GoldenTests.sampleData.appendingPathComponent(day)
            try FileManager.default.createDirectory(at: cli.directory.appendingPathComponent("inbox"), withIntermediateDirectories: true)
            for name in try FileManager.default.contentsOfDirectory(atPath: source.path) {
                try FileManager.default.copyItem(
                    at: source.appendingPathComponent(name), to: cli.directory.appendingPathComponent("inbox/\(name)"))
            }
            let morning = "\(day)T11:00:00Z".replacingOccurrences(of: day, with: nextDay(day))
            results.append(
                try cli.run(
                    executable: CLI.executable, ["run", "--inbox", "inbox", "--outbox", "outbox", "--date", day, "--workers", String(workers)],
                    now: morning))
        }
        return results
    }

    func nextDay(_ day: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        guard let date = formatter.date(from: day) else { return day }
        return formatter.string(from: date.addingTimeInterval(86_400))
    }

    /// Every file under a folder, by path, with its bytes.
    func files(_ folder: URL) throws -> [String: Data] {
        var contents: [String: Data] = [:]
        for path in try CLI.listing(folder) {
            var isFolder: ObjCBool = false
            let url = folder.appendingPathComponent(path)
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), !isFolder.boolValue {
                contents[path] = try Data(contentsOf: url)
            }
        }
        return contents
    }

    @Test(.enabled(if: TestDatabase.postgresURL != nil, "needs a PostgreSQL server (make test)"))
    func threeWorkersGiveTheBytesOfOne() throws {
        let (one, three) = (try CLI(postgres: true), try CLI(postgres: true))
        let byOne = try runDays(one, workers: 1)
        let byThree = try runDays(three, workers: 3)
        for (a, b) in zip(byOne, byThree) {
            #expect(a.status == 0, "\(a.error)")
            #expect(b.status == 0, "\(b.error)")
        }
        // The shared refresh says so, and reprices what one process reprices.
        let costLines = { (results: [CLI.Result]) in
            results.map { $0.error.split(separator: "\n").first { $0.contains("costs: ") }.map(String.init) ?? "" }
        }
        func repriced(_ line: String) -> String {
            line.range(of: #"\d+ SKUs repriced \(\d+ events replayed\)"#, options: .regularExpression).map { String(line[$0]) } ?? ""
        }
        #expect(costLines(byThree).allSatisfy { $0.contains("events replayed) by 3 workers") }, "\(costLines(byThree))")
        #expect(costLines(byOne).map(repriced) == costLines(byThree).map(repriced))
        #expect(costLines(byOne).map(repriced).allSatisfy { !$0.isEmpty && !$0.hasPrefix("0 SKUs") }, "\(costLines(byOne))")
        // The outbox, byte for byte; the costs and their checks as one process left them.
        let (outboxOne, outboxThree) = (try files(one.directory.appendingPathComponent("outbox")), try files(three.directory.appendingPathComponent("outbox")))
        #expect(!outboxOne.isEmpty)
        #expect(outboxOne == outboxThree)
        for arguments in [["stock"], ["cost", "--period", "2026-10", "--out", "costs"], ["verify"]] {
            let (a, b) = (try one.run(arguments, now: "2026-10-24T12:00:00Z"), try three.run(arguments, now: "2026-10-24T12:00:00Z"))
            #expect(a.status == 0 && b.status == 0, "\(arguments): \(a.error)\(b.error)")
            #expect(a.output.replacingOccurrences(of: one.directory.path, with: "") == b.output.replacingOccurrences(of: three.directory.path, with: ""), "\(arguments)")
        }
        #expect(try files(one.directory.appendingPathComponent("costs")) == files(three.directory.appendingPathComponent("costs")))
    }

    @Test func sqliteRefusesSharedWorkers() throws {
        let cli = try CLI()
        try FileManager.default.createDirectory(at: cli.directory.appendingPathComponent("inbox"), withIntermediateDirectories: true)
        let result = try cli.run(
            executable: CLI.executable, ["run", "--inbox", "inbox", "--outbox", "outbox", "--date", "2026-10-01", "--workers", "2"],
            now: "2026-10-02T11:00:00Z")
        #expect(result.status == 2)
        #expect(
            result.error
                == "error: --workers 2: a SQLite ledger has one writer at a time, so its cost refresh is not shared; use --workers 1 (or a PostgreSQL ledger)\n")
        #expect(try cli.run(executable: CLI.executable, ["run", "--inbox", "inbox", "--outbox", "outbox", "--workers", "0"]).status == 2)
    }
}
