import Foundation
import Testing

/// Hostile and broken input (issue 14 §5): files as they arrive damaged, mis-saved or mis-exported,
/// through the real `ingest`. Each is rejected with a message naming the file, row, column and
/// reason and saying what to do, nothing of it enters the ledger, and the big ones are refused in
/// bounded memory and time. The small files are under `Fixtures/nasty/input/`, their transcripts
/// (exit status, standard output and error) beside them; the big ones are made here.
@Suite struct NastyFileTests {
    static let input = Golden.fixtures.appendingPathComponent("nasty/input")
    static let linesHeader = "order_id,line_no,occurred_at,location,sku,type,quantity,unit_price,tax"

    /// Each file of `Fixtures/nasty/input/`, ingested alone: the transcript is the golden file's,
    /// a rejected file leaves no trace in `files`, and a header-only file lands with no rows.
    @Test func everyNastyFileGetsItsMessageAndARejectedOneLeavesNothing() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.input.path).sorted()
        #expect(names.count >= 12)
        for name in names {
            let cli = try CLI()
            let path = "in/\(name)"
            try FileManager.default.createDirectory(
                at: cli.directory.appendingPathComponent("in"), withIntermediateDirectories: true)
            try FileManager.default.copyItem(
                at: Self.input.appendingPathComponent(name), to: cli.directory.appendingPathComponent(path))
            let arguments = ["ingest", "--recorded-at", "2026-10-06T06:00:00Z", path]
            let result = try cli.run(arguments)
            try Golden.check("nasty/\(name.replacingOccurrences(of: ".csv", with: ".txt"))", Golden.transcript(arguments, result))
            let files = try cli.run(["files", "--format", "csv"])
            if name == "header-only.csv" {
                #expect(result.status == 0, "\(result.error)")
                #expect(files.output.contains(path))
            } else {
                #expect(result.status == 1, "\(name): \(result.output)")
                #expect(result.error.contains("nothing of it entered the ledger"), "\(name)")
                #expect(!files.output.contains(path), "\(name) entered the ledger")
            }
        }
    }

    /// Writes `parts` to `name` in the CLI's directory, each repeated its count of times, without
    /// holding the whole file in memory.
    private static func writeFile(_ cli: CLI, _ name: String, _ parts: [(String, Int)]) throws -> String {
        let url = cli.directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        for (text, count) in parts {
            let piece = Data(text.utf8)
            // Repeated pieces go out a megabyte or so at a time.
            let batch = max(1, min(count, (1 << 20) / max(1, piece.count)))
            var block = Data()
            for _ in 0..<batch { block.append(piece) }
            var left = count
            while left >= batch {
                try handle.write(contentsOf: block)
                left -= batch
            }
            for _ in 0..<left { try handle.write(contentsOf: piece) }
        }
        return name
    }

    /// A row of 100 MB on one line (a runaway export, or a column of pasted data): rejected at that
    /// row once the reader's record limit (64 MiB) is reached, without reading the file into memory:
    /// the ingest runs with its address space limited to 256 MiB (`ulimit -v`; it needs about
    /// 200 MiB, the 64 MiB record buffer and its last growth included), where reading the file
    /// whole would fail.
    @Test func aHundredMegabyteLineIsRejectedInBoundedMemory() throws {
        let cli = try CLI()
        let path = try Self.writeFile(
            cli, "in/pos_lines.csv",
            [(Self.linesHeader + "\nO1,1,2026-10-06T10:00:00Z,S01,", 1), ("SKU-", 25_000_000), (",SALE,1,5.00,0\n", 1)])
        let arguments = ["ingest", "--recorded-at", "2026-10-06T06:00:00Z", path]
        let started = Date()
        let result = try cli.run(
            executable: URL(fileURLWithPath: "/bin/sh"),
            ["-c", "ulimit -v 262144 && exec \"$0\" \"$@\"", CLI.executable.path] + arguments)
        let seconds = Date().timeIntervalSince(started)
        #expect(result.status == 1)
        try Golden.check("nasty/single-line-100mb.txt", Golden.transcript(arguments, result))
        #expect(seconds < 120, "took \(seconds) s")
        #expect(!(try cli.run(["files", "--format", "csv"])).output.contains(path))
    }

    /// 10,000 columns: a row of 10,000 fields under a 9-column header, and a header of 10,000
    /// names no format has, are rejected with short messages; a header with 9,991 unknown columns
    /// besides the required ones is a valid file (unknown columns are ignored).
    @Test func tenThousandColumns() throws {
        let cli = try CLI()
        let wideRow = try Self.writeFile(
            cli, "in/wide-row.csv",
            [(Self.linesHeader + "\n", 1), ("O1,1,2026-10-06T10:00:00Z,S01,SKU1,SALE,3,5.00,0.40\n", 1), ("x,", 9_999), ("x\n", 1)])
        let wideHeader = try Self.writeFile(
            cli, "in/wide-header.csv",
            [((1...10_000).map { "c\($0)" }.joined(separator: ",") + "\n", 1), (String(repeating: "1,", count: 9_999) + "1\n", 2)])
        let extras = (10...10_000).map { "extra\($0)" }.joined(separator: ",")
        let values = String(repeating: ",", count: 9_991)
        let wideValid = try Self.writeFile(
            cli, "in/wide-valid.csv",
            [(Self.linesHeader + "," + extras + "\n", 1), ("O1,1,2026-10-06T10:00:00Z,S01,SKU1,SALE,3,5.00,0.40" + values + "\n", 1),
             ("O1,2,2026-10-06T10:00:00Z,S01,SKU2,SALE,1,2.00,0" + values + "\n", 1)])
        var transcript = ""
        for path in [wideRow, wideHeader] {
            let arguments = ["ingest", "--recorded-at", "2026-10-06T06:00:00Z", path]
            let result = try cli.run(arguments)
            #expect(result.status == 1)
            #expect(result.error.count < 2_000, "a message of \(result.error.count) characters")
            transcript += Golden.transcript(arguments, result)
        }
        let arguments = ["ingest", "--recorded-at", "2026-10-06T06:00:00Z", wideValid]
        let valid = try cli.run(arguments)
        #expect(valid.status == 0, "\(valid.error)")
        transcript += Golden.transcript(arguments, valid)
        try Golden.check("nasty/ten-thousand-columns.txt", transcript)
        let files = try cli.run(["files", "--format", "csv"]).output
        #expect(!files.contains(wideRow) && !files.contains(wideHeader) && files.contains(wideValid))
    }
}
