import ArgumentParser
import CountinghouseCore
import CountinghouseIngest
import CountinghouseStore
import Foundation

struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Appends files to the ledger: one line per file; every bad row of a rejected file is listed.",
        discussion: """
            Exit status 0 when every file landed or was already ingested, 1 when any was rejected.
            A rejected file leaves nothing in the ledger; the other files still land.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "The kind of every file (\(LedgerKind.allCases.map(\.rawValue).joined(separator: ", "))); detected from the header when omitted.")
    var kind: LedgerKind?

    @Option(name: .customLong("recorded-at"), help: "Knowledge time for a backfill (instant, or date = end of that day); refused if earlier than the latest ingest.")
    var recordedAt: String?

    @Argument(help: "CSV files to ingest, in order.")
    var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("name at least one file to ingest") }
    }

    func run() throws {
        let environment = try CommandEnvironment(global)
        let recordedAt = try recordedAt.map { try environment.instant(argument: $0, option: "--recorded-at") }
        let store = try openLedgerStoreForCommand(environment)
        // A close is knowledge too: nothing may be recorded before the latest close, or the closed
        // period's figures "as known at its close" would change after the fact.
        if let lastClose = try store.closedPeriods().last,
            (recordedAt ?? environment.now) <= lastClose.closedAt
        {
            throw CommandFailure(
                "recorded at \(environment.display(recordedAt ?? environment.now)) would not be after the close of \(lastClose.period) (\(environment.display(lastClose.closedAt))): knowledge never goes backwards")
        }
        let ingestor = FileIngestor(
            settings: IngestSettings(
                functionalCurrency: environment.configuration.currency,
                locationCodes: environment.configuration.locations.map(\.code)))
        var anyRejected = false
        for path in files {
            let check = ingestor.check(path: path, displayName: path, kind: kind)
            let valid: ValidFile
            switch check {
            case .invalid(let detected, let errors):
                anyRejected = true
                print("\(path): REJECTED\(detected.map { " (\($0.rawValue))" } ?? ""): \(errors.count) error\(errors.count == 1 ? "" : "s"); nothing of it entered the ledger")
                for error in errors { print("  \(error)") }
                continue
            case .valid(let file):
                valid = file
            }
            let info = IngestFileInfo(
                name: path, sha256: valid.sha256, kind: valid.kind, byteCount: valid.byteCount,
                recordedAt: recordedAt ?? environment.now)
            let outcome: AppendOutcome
            do {
                outcome = try store.append(info) { emit in
                    var emitted = 0
                    try ingestor.forEachRow(path: path, displayName: path, expected: valid) { row in
                        try emit(row)
                        emitted += 1
                        if emitted == faultKillAfterRows { killThisProcess() }
                    }
                }
            } catch let error as StoreError {
                throw CommandFailure("\(path): \(error.description)")
            }
            switch outcome {
            case .knownFile(let earlier):
                print("\(path): \(valid.kind.rawValue): already ingested as \(earlier.name) at \(environment.display(earlier.recordedAt)) (same sha256); skipped")
            case .appended(let file):
                print("\(path): \(valid.kind.rawValue): \(file.rowsAccepted) accepted, \(file.rowsDuplicate) duplicate\(file.rowsDuplicate == 1 ? "" : "s"), recorded at \(environment.display(file.recordedAt))")
            case .rejected(let errors):
                anyRejected = true
                print("\(path): REJECTED (\(valid.kind.rawValue)): \(errors.count) error\(errors.count == 1 ? "" : "s"); nothing of it entered the ledger")
                for error in errors { print("  \(error)") }
            }
        }
        if anyRejected { throw ExitCode.failure }
    }
}

extension LedgerKind: ExpressibleByArgument {}

/// Crash testing: `COUNTINGHOUSE_FAULT_KILL_AFTER_ROWS=N` makes an ingest kill itself with SIGKILL
/// (as `kill -9` would) after handing N rows of a file to the store, mid-transaction. Tests use it
/// to prove that a crash leaves no trace of the file.
private let faultKillAfterRows: Int? = ProcessInfo.processInfo.environment["COUNTINGHOUSE_FAULT_KILL_AFTER_ROWS"]
    .flatMap { Int($0) }

private func killThisProcess() {
    kill(getpid(), SIGKILL)
}
