// Output folders are replaced whole, in one step: no stale file of an earlier report survives, no
// half-written folder is left, and a folder holding anything else is refused, not emptied.
import CountinghouseReport
import CountinghouseStore
import Foundation
import Testing

@testable import CountinghouseApp

@Suite struct FolderWriterTests {
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("countinghouse-folders-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    func listing(_ folder: URL) throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() }

    @Test func aReusedFolderKeepsNoStaleFileAndNothingPartialIsLeftBeside() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = root.appendingPathComponent("reports/2026-10")
        try FolderWriter.replace(folder.path, with: [("journal.csv", "a\n"), ("drift.csv", "d\n")])
        #expect(try listing(folder) == ["drift.csv", "journal.csv"])
        try FolderWriter.replace(folder.path, with: [("journal.csv", "b\n"), ("run.json", "{}\n")])
        #expect(try listing(folder) == ["journal.csv", "run.json"])
        #expect(try String(contentsOf: folder.appendingPathComponent("journal.csv"), encoding: .utf8) == "b\n")
        // Only the folder itself is beside it: no temporary or old folder was left behind.
        #expect(try listing(root.appendingPathComponent("reports")) == ["2026-10"])
    }

    /// A writer killed mid-way (a `close --outbox`, a `report --out`) leaves its dotted temporary
    /// folder and staged workbook beside the folder; the next write of that folder removes them,
    /// but not those of a writer still at work, nor another folder's.
    @Test func whatAKilledWriterLeftBesideTheFolderGoesWithTheNextWrite() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let reports = root.appendingPathComponent("closed")
        try FileManager.default.createDirectory(at: reports, withIntermediateDirectories: true)
        // A process that has ended: its id is free.
        let ended = Process()
        ended.executableURL = URL(fileURLWithPath: "/bin/true")
        try ended.run()
        ended.waitUntilExit()
        let gone = ended.processIdentifier
        let leftovers = [
            ".2026-10.partial-\(gone)-17", ".2026-10.old-\(gone)-18", ".2026-10.report.xlsx-\(gone)-19",
            "..2026-10.report.xlsx-\(gone)-19.partial", "..2026-10.report.xlsx-\(gone)-19.sheets", ".2026-10.cogs.csv-\(gone)-22",
            ".2026-10.journal.ledger-\(gone)-23",
        ]
        // Process 1 is alive; 2026-11 is another folder.
        let kept = [".2026-10.partial-1-20", ".2026-11.partial-\(gone)-21", ".2026-10.cogs.csv-1-24", "notes.txt"]
        for name in leftovers + kept {
            if name.hasSuffix(".xlsx-\(gone)-19") || name.contains(".csv-") || name.contains(".ledger-") || name.hasSuffix(".partial")
                || name == "notes.txt"
            {
                try Data("x".utf8).write(to: reports.appendingPathComponent(name))
            } else {
                try FileManager.default.createDirectory(at: reports.appendingPathComponent(name), withIntermediateDirectories: false)
            }
        }
        try FolderWriter.replace(reports.appendingPathComponent("2026-10").path, with: [("journal.csv", "a\n")])
        #expect(try listing(reports) == (kept + ["2026-10"]).sorted())
    }

    /// Files staged a piece at a time beside the folder hold the bytes the tables render, with
    /// their sha256, and move in whole; a made table is never rendered whole.
    @Test func stagedFilesHoldTheRenderedBytesAndTheirChecksums() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = root.appendingPathComponent("reports/2026-10")
        let table = ReportTable(name: "cogs", columns: [ReportColumn("n", .number), ReportColumn("sku", .inputText)], count: 60_000) {
            [.integer(Int64($0)), .inputText("SKU-\($0 % 400), \"x\"")]
        }
        let files = [ReportFile(name: "cogs.csv", content: .csv(table)), ReportFile(name: "journal.ledger", content: .text("; ledger\n"))]
        let staged = try FolderWriter.stage(files, beside: folder.path)
        #expect(staged.map(\.name) == ["cogs.csv", "journal.ledger"])
        for (file, written) in zip(files, staged) {
            #expect(try String(contentsOfFile: written.path, encoding: .utf8) == file.rendered)
            #expect(written.sha256 == sha256Hex(file.rendered))
            #expect(URL(fileURLWithPath: written.path).lastPathComponent.hasPrefix(".2026-10.\(file.name)-\(getpid())-"))
        }
        try FolderWriter.replace(folder.path, with: [("run.json", "{}\n")], moving: staged.map { ($0.name, $0.path) })
        #expect(try listing(folder) == ["cogs.csv", "journal.ledger", "run.json"])
        #expect(try listing(root.appendingPathComponent("reports")) == ["2026-10"])
        #expect(try String(contentsOf: folder.appendingPathComponent("cogs.csv"), encoding: .utf8) == CSVWriter.render(table))
    }

    @Test func aFolderHoldingOtherFilesIsRefusedAndLeftAlone() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = root.appendingPathComponent("documents")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("keep me".utf8).write(to: folder.appendingPathComponent("letter.txt"))
        let error = #expect(throws: AppFailure.self) {
            try FolderWriter.replace(folder.path, with: [("journal.csv", "a\n")])
        }
        #expect(error?.status == .rejected)
        #expect(error?.message.contains("holds files Countinghouse does not write (letter.txt)") == true)
        #expect(try listing(folder) == ["letter.txt"])
    }

    @Test func aFolderThatCannotBeWrittenSaysSoWithItsStatus() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let file = root.appendingPathComponent("plain")
        try Data().write(to: file)
        // A folder under a regular file cannot be created.
        let error = #expect(throws: AppFailure.self) {
            try FolderWriter.replace(file.appendingPathComponent("out").path, with: [("journal.csv", "a\n")])
        }
        #expect(error?.status == .cannotWrite)
    }

    /// A file written beside the folder (the workbook) is moved in with the text files; when the
    /// folder is refused, the staged file is removed all the same.
    @Test func aStagedFileIsMovedInAndNeverLeftBehind() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = root.appendingPathComponent("reports/2026-11")
        let staged = try FolderWriter.stagingPath(for: folder.path, name: "report.xlsx")
        #expect(URL(fileURLWithPath: staged).deletingLastPathComponent().path == root.appendingPathComponent("reports").path)
        try Data([0x50, 0x4b, 0x03, 0x04]).write(to: URL(fileURLWithPath: staged))
        try FolderWriter.replace(folder.path, with: [("journal.csv", "a\n")], moving: [("report.xlsx", staged)])
        #expect(try listing(folder) == ["journal.csv", "report.xlsx"])
        #expect(try Data(contentsOf: folder.appendingPathComponent("report.xlsx")) == Data([0x50, 0x4b, 0x03, 0x04]))
        #expect(try listing(root.appendingPathComponent("reports")) == ["2026-11"])

        let refused = root.appendingPathComponent("documents")
        try FileManager.default.createDirectory(at: refused, withIntermediateDirectories: true)
        try Data("keep me".utf8).write(to: refused.appendingPathComponent("letter.txt"))
        let second = try FolderWriter.stagingPath(for: refused.path, name: "report.xlsx")
        try Data([1]).write(to: URL(fileURLWithPath: second))
        #expect(throws: AppFailure.self) {
            try FolderWriter.replace(refused.path, with: [("journal.csv", "a\n")], moving: [("report.xlsx", second)])
        }
        #expect(!FileManager.default.fileExists(atPath: second))
        #expect(try listing(refused) == ["letter.txt"])
    }
}
