import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Faults the nightly job must survive (issue 14 §4), beside the six named kill points of
/// RunCommandTests: `kill -9` at pseudo-random moments of `ingest`, `run` and `close` (through
/// scripts/faults.sh, the script a person runs), two runs started at the same instant, an outbox
/// that is full or read-only.
@Suite struct FaultTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// scripts/faults.sh with a fixed seed and a few trials per command: every killed command,
    /// rerun, ends as the uninterrupted one did, and no partial outbox folder is ever in view.
    @Test(.timeLimit(.minutes(4)), arguments: storeKinds)
    func randomKillsThenARerunEndAsAnUninterruptedCommand(postgres: Bool) throws {
        let cli = try CLI(initialised: false)
        let result = try cli.run(
            executable: Self.repository.appendingPathComponent("scripts/faults.sh"),
            ["--seed", "14", "--count", "4", "--store", postgres ? "postgres" : "sqlite"],
            extra: ["COUNTINGHOUSE_BIN": CLI.executable.path, "FAULTS_WORK": cli.directory.appendingPathComponent("work").path])
        #expect(result.status == 0, "\(result.output)\(result.error)")
        #expect(result.output.contains("12 trials on \(postgres ? "postgres" : "sqlite")"), "\(result.output)")
        #expect(result.output.contains("every rerun equal to the uninterrupted one, no partial outbox folder in view"), "\(result.output)")
    }

    /// Two runs released at the same instant (both blocked on one FIFO, then let go together), a
    /// few times: one runs, the other exits 75 at once, and the ledger and the outbox are a single
    /// run's.
    @Test(arguments: storeKinds)
    func twoRunsStartedTogetherOneRunsTheOtherIsBusy(postgres: Bool) throws {
        let reference = try CLI(postgres: postgres)
        try RunCommandTests.deliver(reference)
        let single = try RunCommandTests.run(reference)
        #expect(single.status == 0, "\(single.error)")
        for attempt in 1...3 {
            let cli = try CLI(postgres: postgres)
            try RunCommandTests.deliver(cli)
            let fifo = cli.directory.appendingPathComponent("go").path
            try #require(mkfifo(fifo, 0o600) == 0)
            let processes = try (0..<2).map { number -> (Process, Pipe) in
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/bin/sh")
                process.arguments = [
                    "-c", #"read line < go; exec "$0" "$@""#, CLI.executable.path, "run", "--inbox", "inbox", "--outbox", "outbox", "--date",
                    RunCommandTests.date,
                ]
                process.currentDirectoryURL = cli.directory
                process.environment = cli.environment.merging(["COUNTINGHOUSE_NOW": RunCommandTests.now]) { _, new in new }
                let error = Pipe()
                process.standardOutput = FileHandle.nullDevice
                process.standardError = error
                try process.run()
                return (process, error)
            }
            // Open for reading and writing (never blocks): both shells' reads return once the
            // two lines are in, whichever opened first.
            usleep(200_000)
            let barrier = open(fifo, O_RDWR)
            try #require(barrier >= 0)
            _ = "go\ngo\n".withCString { write(barrier, $0, 6) }
            let results = processes.map { process, error in
                let text = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                return (status: process.terminationStatus, error: text)
            }
            close(barrier)
            #expect(results.map(\.status).sorted() == [0, 75], "attempt \(attempt): \(results)")
            if let busy = results.first(where: { $0.status == 75 }) {
                #expect(
                    busy.error.contains("error: another countinghouse run (or close) holds the ledger: nothing was done; run again when it has finished"),
                    "\(busy.error)")
            }
            try FaultTests.expectSameAsReference(cli, reference, "attempt \(attempt)")
        }
    }

    /// The ledger, the costs, the run records (without their times) and the outbox of `cli` are
    /// those of `reference`.
    static func expectSameAsReference(_ cli: CLI, _ reference: CLI, _ label: String) throws {
        func records(_ cli: CLI) throws -> [String] {
            let listed = try cli.run(["runs", "--format", "csv"]).output.split(separator: "\n").map { line in
                line.split(separator: ",", omittingEmptySubsequences: false).enumerated().filter { $0.offset != 4 && $0.offset != 5 }
                    .map(\.element).joined(separator: ",")
            }
            var details: [String] = []
            for id in listed.dropFirst().compactMap({ $0.split(separator: ",").first }) {
                let shown = try cli.run(["runs", "show", String(id)]).output
                details.append(shown.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
                    .filter { $0.offset != 1 && !$0.element.contains("\"phases_ms\"") }.map(\.element).joined(separator: "\n"))
            }
            return listed + details
        }
        #expect(try records(cli) == records(reference), "\(label)")
        for arguments in [["files", "--format", "csv"], ["stock", "--format", "csv"], ["verify"]] {
            #expect(try cli.run(arguments, now: RunCommandTests.now).output == reference.run(arguments, now: RunCommandTests.now).output, "\(label): \(arguments)")
        }
        let wantOutbox = reference.directory.appendingPathComponent("outbox")
        let gotOutbox = cli.directory.appendingPathComponent("outbox")
        #expect(try listing(gotOutbox) == listing(wantOutbox), "\(label)")
        for path in try listing(wantOutbox) where path.contains(".") {
            #expect(
                try Data(contentsOf: gotOutbox.appendingPathComponent(path)) == Data(contentsOf: wantOutbox.appendingPathComponent(path)),
                "\(label): \(path)")
        }
        #expect(
            try listing(cli.directory.appendingPathComponent("inbox")) == listing(reference.directory.appendingPathComponent("inbox")), "\(label)")
    }

    static func listing(_ folder: URL) throws -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: folder.path) else { return [] }
        return (enumerator.allObjects as? [String] ?? []).sorted()
    }
}
