import Foundation
import Testing

/// report.xlsx in every report folder, end to end from the CLI: the same report as known at the
/// same time is the same file byte for byte (and a different time a different file); text from
/// input files that looks like a formula stays text in the workbook and is protected in the CSV
/// files; a workbook that cannot be written fails the report with nothing half-written.
@Suite struct WorkbookCommandTests {
    static let now = "2026-12-01T12:00:00Z"

    func bytes(_ cli: CLI, _ path: String) throws -> Data {
        try Data(contentsOf: cli.directory.appendingPathComponent(path))
    }

    @Test func theSameReportAsKnownAtTheSameTimeIsTheSameWorkbook() throws {
        let cli = try CLI()
        try ReportCommandTests.ingest(cli)
        for folder in ["a", "b"] {
            #expect(try cli.run(["report", "--period", "2026-10", "--as-known-at", "2026-11-06", "--out", folder], now: Self.now).status == 0)
        }
        // Another clock, the same knowledge time: the same bytes.
        #expect(try cli.run(["report", "--period", "2026-10", "--as-known-at", "2026-11-06", "--out", "c"], now: "2026-12-03T08:00:00Z").status == 0)
        let first = try bytes(cli, "a/report.xlsx")
        #expect(first.count > 10_000)
        #expect(try bytes(cli, "b/report.xlsx") == first)
        #expect(try bytes(cli, "c/report.xlsx") == first)
        // Another knowledge time (before the late receipt): another workbook.
        #expect(try cli.run(["report", "--period", "2026-10", "--as-known-at", "2026-11-01", "--out", "d"], now: Self.now).status == 0)
        #expect(try bytes(cli, "d/report.xlsx") != first)
        // run.json names the workbook's checksum.
        let run = try String(contentsOf: cli.directory.appendingPathComponent("a/run.json"), encoding: .utf8)
        #expect(run.contains("\"report.xlsx\": \"sha256:"))
    }

    /// An order id and a SKU that look like formulas (identifiers are opaque strings: FORMATS §1).
    static let hostileLines = """
        order_id,line_no,occurred_at,location,sku,type,quantity,unit_price
        "=HYPERLINK(""http://x"",""click"")",1,2026-10-15T10:00:00Z,S01,@SUM(1),SALE,1,10.00

        """
    static let hostileTenders = """
        order_id,tender_no,occurred_at,location,tender,type,amount
        "=HYPERLINK(""http://x"",""click"")",1,2026-10-15T10:00:00Z,S01,CASH,PAYMENT,10.00

        """
    static let hostileItems = """
        sku,name,standard_cost,reorder_point,reorder_quantity
        @SUM(1),=1+2,4.00,5,10

        """

    @Test func textThatLooksLikeAFormulaStaysText() throws {
        let cli = try CLI()
        let files = try [
            cli.write("in/items.csv", Self.hostileItems), cli.write("in/pos_lines.csv", Self.hostileLines),
            cli.write("in/pos_tenders.csv", Self.hostileTenders),
        ]
        let ingest = try cli.run(["ingest", "--recorded-at", "2026-10-31T20:00:00Z"] + files)
        #expect(ingest.status == 0, "\(ingest.error)")
        let report = try cli.run(["report", "--period", "2026-10", "--out", "out"], now: Self.now)
        #expect(report.status == 0, "\(report.error)")
        // The CSV files put a ' before such input text (numbers untouched).
        let cogs = try String(contentsOf: cli.directory.appendingPathComponent("out/cogs.csv"), encoding: .utf8)
        #expect(cogs.contains(",S01,'@SUM(1),\"'=HYPERLINK(\"\"http://x\"\",\"\"click\"\")\",1,1,0,"), "\(cogs)")
        #expect(!cogs.contains(",@SUM(1)") && !cogs.contains(",\"=HYPERLINK("))
        // The workbook holds the text as strings: no formula but its own (sums, rounding, checks).
        let workbook = cli.directory.appendingPathComponent("out/report.xlsx")
        var formulas: [String] = []
        var texts = ""
        for index in 1...14 {
            let sheet = try Golden.unzipPart("xl/worksheets/sheet\(index).xml", of: workbook)
            texts += sheet
            var rest = sheet[...]
            while let start = rest.range(of: "<f>") {
                let after = rest[start.upperBound...]
                guard let end = after.range(of: "</f>") else { break }
                formulas.append(String(after[..<end.lowerBound]))
                rest = after[end.upperBound...]
            }
        }
        #expect(!formulas.isEmpty)
        for formula in formulas {
            #expect(formula.hasPrefix("ROUND(") || formula.hasPrefix("SUM(") || formula.hasPrefix("IF("), "\(formula)")
            #expect(!formula.contains("HYPERLINK") && !formula.contains("@SUM") && !formula.contains("1+2"), "\(formula)")
        }
        #expect(texts.contains("=HYPERLINK(&quot;http://x&quot;,&quot;click&quot;)") || texts.contains("=HYPERLINK(\"http://x\",\"click\")"))
        #expect(texts.contains("@SUM(1)"))
    }

    /// A full disk (a small tmpfs, filled up after a first report): the workbook library's error
    /// fails the report with exit status 73 and names report.xlsx; the earlier folder stays whole
    /// and no temporary file is left beside it.
    @Test(.enabled(if: canMountTmpfs, "mounting a tmpfs needs root (and a container that allows it)"))
    func aFullDiskFailsTheReportAndLeavesTheEarlierFolderWhole() throws {
        let cli = try CLI()
        try ReportCommandTests.ingest(cli)
        let disk = cli.directory.appendingPathComponent("disk")
        try FileManager.default.createDirectory(at: disk, withIntermediateDirectories: true)
        try #require(try shell(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", disk.path]) == 0)
        defer { _ = try? shell(["umount", "--lazy", disk.path]) }
        #expect(try cli.run(["report", "--period", "2026-10", "--out", "disk/out"], now: Self.now).status == 0)
        let before = try FileManager.default.contentsOfDirectory(atPath: disk.appendingPathComponent("out").path).sorted()
        let journal = try bytes(cli, "disk/out/journal.csv")
        // Fill the disk but for a few kilobytes: the CSV files would fit, the workbook does not.
        _ = try shell(["dd", "if=/dev/zero", "of=\(disk.path)/filler", "bs=4k", "count=1000"])
        _ = try shell(["sh", "-c", "df -k \(disk.path) >/dev/null"])
        let failed = try cli.run(["report", "--period", "2026-10", "--out", "disk/out"], now: Self.now)
        #expect(failed.status == 73, "\(failed.output)\(failed.error)")
        #expect(failed.error.contains("report.xlsx") && failed.error.contains("No space left on device"), "\(failed.error)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: disk.path).sorted() == ["filler", "out"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: disk.appendingPathComponent("out").path).sorted() == before)
        #expect(try bytes(cli, "disk/out/journal.csv") == journal)
    }

    /// A read-only folder to write into: exit status 73, the library's reason, nothing written.
    @Test(.enabled(if: canMountTmpfs, "mounting a tmpfs needs root (and a container that allows it)"))
    func aReadOnlyFolderFailsTheReport() throws {
        let cli = try CLI()
        try ReportCommandTests.ingest(cli)
        let disk = cli.directory.appendingPathComponent("disk")
        try FileManager.default.createDirectory(at: disk, withIntermediateDirectories: true)
        try #require(try shell(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", disk.path]) == 0)
        defer { _ = try? shell(["umount", "--lazy", disk.path]) }
        let failed = try cli.run(["report", "--period", "2026-10", "--out", "disk/out"], now: Self.now)
        #expect(failed.status == 73, "\(failed.output)\(failed.error)")
        #expect(failed.error.contains("report.xlsx") && failed.error.contains("Read-only file system"), "\(failed.error)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: disk.path).isEmpty)
    }
}

/// Runs a command quietly; its exit status.
@discardableResult
func shell(_ arguments: [String]) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
}

/// Whether this process may mount a tmpfs (root, in a container that allows it).
let canMountTmpfs: Bool = {
    guard getuid() == 0 else { return false }
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("countinghouse-probe-\(getpid())")
    guard (try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)) != nil else { return false }
    defer { try? FileManager.default.removeItem(at: folder) }
    guard (try? shell(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", folder.path])) == 0 else { return false }
    _ = try? shell(["umount", folder.path])
    return true
}()
