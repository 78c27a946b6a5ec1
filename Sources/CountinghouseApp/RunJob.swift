// `run`: the nightly job a scheduler calls once a night and a person can rerun safely. For the
// business date D it ingests every file of the inbox (moving each to processed/D/ or, with every
// reason, to rejected/D/), brings the costs up to date, writes the day's and the period-to-date
// report (each with its CSV files, journal.ledger, report.xlsx, run.json) into OUTBOX/D/, and
// records the run.
//
// Rules:
// - One run at a time per ledger (the store's run lock); a second run waits `[run]
//   lock_wait_seconds` (default not at all), then exits with status 75 so a scheduler retries.
// - What is left to do is decided by the data, not by a state file: a file still in the inbox is
//   ingested (a file the ledger already holds is a known duplicate, moved like a landed one), the
//   costs refresh from the ledger, the reports are written whole. So a run killed at any point
//   and run again ends with the ledger, the costs and the outbox an uninterrupted run would have
//   left (for the same clock); the files such a run moved but never recorded — or recorded only
//   as a failed run's (an outbox it could not write, 73) — are the next run's inputs too, so its
//   record is the one an uninterrupted run would have made.
// - OUTBOX/D is built in a temporary folder beside it and swapped into place in one step: no
//   half-written outbox folder is ever visible.
// - A lost or refused database connection is retried with backoff (`[run] retries`,
//   `retry_wait_seconds`, `retry_max_wait_seconds`), the lock held meanwhile, then the run fails
//   with status 69; a ledger that does not exist is not retried.
// - A run that needs a person (a rejected file, an empty inbox, a day without a run since the last
//   one, an exception of the card reconciliation) is done (0), or 3 with `--strict`.
// Errors a user can see: the lock held (75), the ledger unreachable after the retries (69), an
// outbox that cannot be written (73), a bad inbox (1); each failure recorded as a failed run when
// the ledger can still be written.
import CountinghouseCore
import CountinghouseReport
import CountinghouseStore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What a run is asked to do.
public struct RunRequest: Sendable {
    public var inbox: String
    public var outbox: String
    /// The business date (nil: yesterday in the reporting time zone).
    public var date: CivilDate?
    /// Exit status 3 when something needs a person.
    public var strict: Bool
    /// Processes sharing the cost refresh (PostgreSQL only; 1: this one), and how to start them.
    public var workers: Int
    public var workerLauncher: CostWorkers.Launcher?

    public init(
        inbox: String, outbox: String, date: CivilDate?, strict: Bool, workers: Int = 1, workerLauncher: CostWorkers.Launcher? = nil
    ) {
        self.inbox = inbox
        self.outbox = outbox
        self.date = date
        self.strict = strict
        self.workers = workers
        self.workerLauncher = workerLauncher
    }
}

/// Who watches a run: a progress bar on a terminal, log lines otherwise (the command decides).
public protocol RunObserver: AnyObject {
    /// A step begins; `total` is its size in `unit`s when it has one (bytes, SKUs, rows).
    func began(_ step: String, total: Int64?, unit: String)
    /// How far the current step has got.
    func advanced(to done: Int64)
    /// The current step ended; what it did, in a few words.
    func ended(_ summary: String)
    /// Something a person should read (a rejected file, a retry, a missed day).
    func note(_ line: String)
}

/// One input file of a run and what became of it.
public struct RunInput: Sendable, Hashable {
    public enum Fate: String, Sendable {
        case landed
        /// The ledger held the same bytes already (an earlier delivery, or a run killed after the
        /// ingest and run again).
        case known = "already_known"
        case rejected
        /// Not a CSV file: nothing tried to read it.
        case unknownType = "unknown_type"
    }
    public var name: String
    public var sha256: String
    public var bytes: Int64
    public var fate: Fate
    public var kind: String
    /// Where the file is now, relative to the inbox (processed/D/NAME, rejected/D/NAME).
    public var movedTo: String
    public var errors: Int
}

/// What a run did: its record (as stored) and what to tell the person or the scheduler.
public struct RunOutcome: Sendable {
    public var id: Int64
    public var status: ExitStatus
    public var businessDate: CivilDate
    public var inputs: [RunInput]
    /// OUTBOX/D.
    public var outboxFolder: String
    public var summary: [String]
}

public enum RunJob {
    /// The folders of OUTBOX/D.
    public static let dayFolder = "day"
    public static let periodFolder = "period-to-date"

    /// Runs the nightly job as the context's clock and configuration say.
    public static func run(_ context: AppContext, _ request: RunRequest, observer: RunObserver) throws -> RunOutcome {
        let settings = context.configuration.run
        if request.workers > 1, !context.ledgerIsPostgreSQL {
            throw AppFailure(
                .usage,
                "--workers \(request.workers): a SQLite ledger has one writer at a time, so its cost refresh is not shared; "
                    + "use --workers 1 (or a PostgreSQL ledger)")
        }
        let date = request.date ?? yesterday(context)
        var state = RunState(date: date, startedAt: context.now)
        // Held from the first attempt to the end, across retries: no other run starts while this
        // one waits to reconnect (on PostgreSQL a server that went away took the advisory lock
        // with it; the next attempt takes it again).
        defer { state.lock?.release() }
        while true {
            do {
                return try attemptRun(context, request, date: date, state: &state, observer: observer)
            } catch let final as FinalFailure {
                throw final.failure
            } catch let failure as AppFailure where failure.status == .databaseUnreachable {
                state.attempt += 1
                guard state.attempt <= settings.retries else {
                    throw AppFailure(
                        .databaseUnreachable,
                        "\(failure.message) (gave up after \(settings.retries) \(settings.retries == 1 ? "retry" : "retries")"
                            + (state.inputs.isEmpty ? "" : "; \(state.inputs.count) inbox files were handled first: see \(request.inbox)/processed/\(date)/ and rejected/\(date)/") + ")")
                }
                let wait = settings.wait(beforeRetry: state.attempt)
                observer.note("the ledger cannot be reached (\(failure.message)): retry \(state.attempt) of \(settings.retries) in \(wait) s")
                sleep(UInt32(clamping: wait))
            }
        }
    }

    /// A failure no retry can mend.
    struct FinalFailure: Error {
        var failure: AppFailure
    }

    /// What survives from one attempt to the next: the lock, the files already handled, the
    /// phases' times.
    struct RunState {
        var date: CivilDate
        var startedAt: Instant
        /// When the run started, on the monotonic clock (its end is measured from it: the context's
        /// clock is read once).
        var started = PhaseTimer.nanoseconds()
        var lock: RunLock?
        var attempt: Int64 = 0
        var inputs: [RunInput] = []
        var phases: [(name: String, milliseconds: Int64)] = []

        var endedAt: Instant { Instant(nanosecondsSinceEpoch: startedAt.nanosecondsSinceEpoch + (PhaseTimer.nanoseconds() - started)) }
    }

    static func yesterday(_ context: AppContext) -> CivilDate {
        let now = context.now
        return now.civilDate(offsetSeconds: context.offset(now)).adding(days: -1)
    }

    static func attemptRun(
        _ context: AppContext, _ request: RunRequest, date: CivilDate, state: inout RunState, observer: RunObserver
    ) throws -> RunOutcome {
        let store: any LedgerStore
        do {
            store = try openLedgerStore(
                locator: context.configuration.database, mode: .existingOnly, busyTimeoutSeconds: context.busyTimeoutSeconds)
            if state.lock == nil {
                state.lock = try acquireLock(store, wait: context.configuration.run.lockWaitSeconds, observer: observer)
            }
        } catch let error as StoreError {
            // A ledger that does not exist will not appear by waiting: only a lost or refused
            // connection is retried.
            if case .ledgerMissing = error { throw FinalFailure(failure: AppFailure.from(error)) }
            throw AppFailure.from(error)
        }
        let session = Session(context: context, store: store)
        var clock = StepClock(prefix: state.attempt == 0 ? "" : "attempt \(state.attempt + 1): ")
        do {
            return try work(session, request, date: date, state: &state, clock: &clock, observer: observer)
        } catch {
            state.phases += clock.phases
            let failure = AppFailure.from(error)
            // A lost connection is retried (nothing to record: the ledger is away).
            if failure.status == .databaseUnreachable { throw failure }
            // Recorded when the ledger can still be written; the failure is what the person sees.
            _ = try? record(
                store, context: context, state: state, status: failure.status, attention: false, outputs: [], counts: [],
                message: failure.message)
            throw failure
        }
    }

    /// Takes the run lock, waiting up to `wait` seconds for another run (a close takes it too).
    static func acquireLock(_ store: any LedgerStore, wait: Int64, observer: RunObserver?) throws -> RunLock {
        var waited: Int64 = 0
        while true {
            do {
                return try store.acquireRunLock()
            } catch StoreError.busy {
                guard waited < wait else {
                    throw AppFailure(
                        .ledgerBusy,
                        "another countinghouse run (or close) holds the ledger\(waited > 0 ? " (waited \(waited) s)" : ""): "
                            + "nothing was done; run again when it has finished")
                }
                if waited == 0 { observer?.note("another countinghouse run holds the ledger: waiting up to \(wait) s") }
                sleep(1)
                waited += 1
            }
        }
    }

    /// Runs `body` holding the run lock (waiting `[run] lock_wait_seconds`): a close does not
    /// overlap a nightly run.
    public static func holdingRunLock<T>(_ session: Session, _ body: () throws -> T) throws -> T {
        let lock: RunLock
        do {
            lock = try acquireLock(session.store, wait: session.context.configuration.run.lockWaitSeconds, observer: nil)
        } catch let error as StoreError {
            throw AppFailure.from(error)
        }
        defer { lock.release() }
        return try body()
    }

    // MARK: The work

    static func work(
        _ session: Session, _ request: RunRequest, date: CivilDate, state: inout RunState, clock: inout StepClock,
        observer: RunObserver
    ) throws -> RunOutcome {
        let (store, context) = (session.store, session.context)
        let inbox = URL(fileURLWithPath: request.inbox)
        var attention: [String] = []

        // The runs recorded so far, read once: the days without a run, and what the runs of this
        // date that completed recorded (a file they name is theirs, not an interrupted or failed
        // run's); a failed run's record says what became of the files it handled.
        let recordedRuns = try store.runs()
        let completed = [ExitStatus.done.rawValue, ExitStatus.doneNeedingAttention.rawValue]
        let recordedToday = recordedRuns.filter { $0.businessDate == date && completed.contains($0.exitStatus) }.map(\.details)
        let failedToday = recordedRuns.filter { $0.businessDate == date && !completed.contains($0.exitStatus) }.flatMap { inputsOf($0.details) }
        // A day without a run since the last one: its files may still wait somewhere.
        let earlier = recordedRuns.filter { completed.contains($0.exitStatus) }
        if let last = earlier.map(\.businessDate).filter({ $0 < date }).max(), last.adding(days: 1) < date {
            var missing: [CivilDate] = []
            var day = last.adding(days: 1)
            while day < date {
                missing.append(day)
                day = day.adding(days: 1)
            }
            let listed = missing.prefix(5).map(\.description).joined(separator: ", ") + (missing.count > 5 ? ", …" : "")
            let line = "no run is recorded for \(missing.count) day\(missing.count == 1 ? "" : "s") before \(date) (\(listed)): their files may not have been delivered"
            observer.note(line)
            attention.append(line)
        }

        // 1. Ingest every file of the inbox.
        let (files, skipped) = try inboxFiles(inbox)
        for entry in skipped {
            let line = "\((request.inbox as NSString).appendingPathComponent(entry)): left in the inbox: not a file (a folder, a link to none, a device)"
            observer.note(line)
            attention.append(line)
        }
        let totalBytes = files.reduce(Int64(0)) { $0 + $1.bytes }
        observer.began("ingest", total: totalBytes, unit: "bytes")
        var done: Int64 = 0
        for file in files {
            let input = try ingest(
                file, inbox: inbox, shownAs: request.inbox, date: date, recorded: recordedToday, session: session, observer: observer)
            state.inputs.append(input)
            done += file.bytes
            observer.advanced(to: done)
        }
        // Files a run of this date killed after moving them (and before recording), or that failed
        // after moving them, are this run's inputs too: the record is then the one an uninterrupted
        // run would have made.
        state.inputs += try movedByAnInterruptedRun(
            inbox, date: date, handled: state.inputs, recorded: recordedToday, failed: failedToday, store: store)
        // In the order the inbox is taken in, whichever attempt or run handled each.
        state.inputs.sort { a, b in
            let (x, y) = (inboxRank(a.name), inboxRank(b.name))
            return x != y ? x < y : a.movedTo.utf8.lexicographicallyPrecedes(b.movedTo.utf8)
        }
        let landed = state.inputs.filter { $0.fate == .landed }.count
        let known = state.inputs.filter { $0.fate == .known }.count
        let rejected = state.inputs.filter { $0.fate == .rejected || $0.fate == .unknownType }.count
        if state.inputs.isEmpty {
            let line = "the inbox \(request.inbox) holds no files for \(date)"
            observer.note(line)
            attention.append(line)
        }
        if rejected > 0 { attention.append("\(rejected) file\(rejected == 1 ? "" : "s") rejected (see \(request.inbox)/rejected/\(date)/)") }
        observer.ended("\(landed) landed, \(known) already known, \(rejected) rejected")
        clock.mark("ingest")
        FaultPoint.reached("costs")

        // 2. Costs.
        observer.began("costs", total: nil, unit: "SKUs")
        let refresh = try CostWorkers.refresh(
            session, workers: request.workers, launcher: request.workerLauncher,
            progress: { done, total in
                // The bar appears once the number of SKUs (or workers) is known.
                let unit = request.workers > 1 ? "workers" : "SKUs"
                if done == 0 { observer.began("costs", total: Int64(total), unit: unit) } else { observer.advanced(to: Int64(done)) }
            })
        observer.ended(
            "\(refresh.skusRepriced) SKUs repriced (\(refresh.eventsReplayed) events replayed)"
                + (request.workers > 1 ? " by \(request.workers) workers" : ""))
        clock.mark("costs")

        // 3. The day's and the period-to-date reports, with their reconciliation, as known now.
        guard let daySpan = ReportSpan(firstDay: date, lastDay: date),
            let periodSpan = ReportSpan(firstDay: Period(containing: date).span.firstDay, lastDay: date)
        else { throw AppFailure(.internalError, "internal error: no span for \(date)") }
        observer.began("reports", total: 2, unit: "reports")
        // The books as known now, read once for both (noting the SKUs that moved on each day of the
        // period, the day among them).
        let books = try BooksAsKnown(session, knownAt: context.knownNow, detail: .movements(in: periodSpan))
        // OUTBOX/D is made in a temporary folder beside it, whole or not at all. The day's report is
        // written there as soon as it is made, and let go before the period's is made: a report
        // holds its reconciliation state until it is written, and the two at once were the run's
        // peak (on three years of a ten-store chain, 0.56 GB).
        FaultPoint.reached("writing")
        // As the person named it (relative stays relative in messages and the summary).
        let folder = (request.outbox as NSString).appendingPathComponent(date.description)
        // A run killed while writing left its temporary folder (for this date or another): nobody
        // else writes here (the lock).
        removeLeftovers(inOutbox: request.outbox)
        let prepared = try FolderWriter.temporaryFolder(beside: folder)
        func removingPrepared<T>(_ body: () throws -> T) throws -> T {
            do {
                return try body()
            } catch let error as AppFailure {
                try? FileManager.default.removeItem(at: prepared)
                // Named where the person will look (OUTBOX/D as given), not the temporary folder.
                throw AppFailure(error.status, error.message.replacingOccurrences(of: prepared.path, with: folder))
            } catch {
                try? FileManager.default.removeItem(at: prepared)
                throw error
            }
        }
        func writeDayReport() throws -> (rows: Int, entries: Int) {
            let dayReport = try ReportJob.make(session, span: daySpan, books: books)
            observer.advanced(to: 1)
            try ReportJob.write(dayReport, to: prepared.appendingPathComponent(dayFolder).path, context: context, progress: { _ in })
            return (dayReport.workbook.rowCount, dayReport.entryCount)
        }
        let day = try removingPrepared(writeDayReport)
        let periodReport = try removingPrepared { try ReportJob.make(session, span: periodSpan, books: books) }
        observer.advanced(to: 2)
        let attentionOfReport = periodReport.workbook.attention
        if attentionOfReport.exceptions > 0 {
            attention.append("\(attentionOfReport.exceptions) reconciliation exception\(attentionOfReport.exceptions == 1 ? "" : "s") need a person")
        }
        observer.ended("\(day.entries) journal entries on \(date), \(periodReport.entryCount) in \(periodSpan)")
        clock.mark("reconcile and report")

        // 4. The period-to-date report, then OUTBOX/D swapped in whole.
        observer.began("writing", total: Int64(day.rows + periodReport.workbook.rowCount), unit: "rows")
        observer.advanced(to: Int64(day.rows))
        try removingPrepared {
            try ReportJob.write(
                periodReport, to: prepared.appendingPathComponent(periodFolder).path, context: context,
                progress: { observer.advanced(to: Int64(day.rows + $0)) })
        }
        FaultPoint.reached("swap")
        try FolderWriter.replace(folder, withPrepared: prepared, allowing: [dayFolder, periodFolder])
        let outputs = try outputChecksums(folder, prefix: date.description)
        observer.ended("\(outputs.count) files in \(folder)")
        clock.mark("write outbox")
        FaultPoint.reached("record")

        // 5. The record.
        let status: ExitStatus = attention.isEmpty || !request.strict ? .done : .doneNeedingAttention
        let counts: [(String, Int64)] = [
            ("files_landed", Int64(landed)), ("files_already_known", Int64(known)), ("files_rejected", Int64(rejected)),
            ("outflows_pending", Int64(attentionOfReport.pendingOutflows)), ("exceptions", Int64(attentionOfReport.exceptions)),
        ] + attentionOfReport.exceptionsByStatus.map { ("exceptions_\($0.status)", Int64($0.count)) }
        state.phases += clock.phases
        let message = attention.isEmpty ? "done" : attention.joined(separator: "; ")
        let id = try record(
            store, context: context, state: state, status: status, attention: !attention.isEmpty, outputs: outputs, counts: counts,
            message: message)
        var summary = [
            "run \(id) for \(date): \(landed) files landed, \(known) already known, \(rejected) rejected; "
                + "\(attentionOfReport.pendingOutflows) outflows pending; "
                + (attentionOfReport.exceptionsByStatus.isEmpty
                    ? "no reconciliation exceptions"
                    : "exceptions: " + attentionOfReport.exceptionsByStatus.map { "\($0.count) \($0.status)" }.joined(separator: ", ")),
            "outbox: \(folder) (\(dayFolder)/, \(periodFolder)/: \(periodSpan))",
        ]
        summary += attention.map { "needs a person: \($0)" }
        return RunOutcome(id: id, status: status, businessDate: date, inputs: state.inputs, outboxFolder: folder, summary: summary)
    }

    // MARK: Inbox

    struct InboxFile {
        var name: String
        var url: URL
        var bytes: Int64
    }

    /// The files of the inbox, in the order kinds depend on each other (catalogue, purchases,
    /// transfers, counts, POS lines, tenders, settlements, overrides), then any other by name; and
    /// the entries that are not files (folders, links to nothing, devices), which stay where they
    /// are and are reported. processed/ and rejected/ are the run's own; dotted names are files
    /// still being delivered (an upload's temporary name) and wait for the next run.
    static func inboxFiles(_ inbox: URL) throws -> (files: [InboxFile], skipped: [String]) {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: inbox.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw AppFailure.rejected("the inbox \(inbox.path) is not a folder")
        }
        var files: [InboxFile] = []
        var skipped: [String] = []
        for name in try manager.contentsOfDirectory(atPath: inbox.path) where !name.hasPrefix(".") && name != "processed" && name != "rejected" {
            let url = inbox.appendingPathComponent(name)
            // A link to a file is the file (stat follows it); anything else is not an input.
            var status = stat()
            guard stat(url.path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
                skipped.append(name)
                continue
            }
            files.append(InboxFile(name: name, url: url, bytes: Int64(status.st_size)))
        }
        let sorted = files.sorted { a, b in
            inboxRank(a.name) != inboxRank(b.name) ? inboxRank(a.name) < inboxRank(b.name) : a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
        }
        return (sorted, skipped.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
    }

    /// Where a file's kind comes in the inbox's order (by its name without the extension, or a
    /// `D/` prefix): the catalogue first, vendor exports and other names last.
    static func inboxRank(_ name: String) -> Int {
        let order = ["items", "purchases", "transfers", "counts", "pos_lines", "pos_tenders", "settlements", "overrides"]
        let base = name.split(separator: "/").last.map(String.init) ?? name
        let stem = base.lowercased().split(separator: ".").first.map(String.init) ?? ""
        return order.firstIndex(of: stem) ?? order.count
    }

    /// Ingests one inbox file (recorded at the run's clock) and moves it where its fate says.
    /// `shownAs`: the inbox as the person named it, for messages; `recorded`: the details of the
    /// runs of this date recorded before.
    static func ingest(
        _ file: InboxFile, inbox: URL, shownAs: String, date: CivilDate, recorded: [String], session: Session, observer: RunObserver
    ) throws -> RunInput {
        let displayName = "\(date)/\(file.name)"
        func shown(_ moved: String) -> String { (shownAs as NSString).appendingPathComponent(moved) }
        guard file.name.lowercased().hasSuffix(".csv") else {
            let digest = (try? sha256Hex(ofFileAt: file.url.path)) ?? ""
            let reason = "\(file.name): not a CSV file (countinghouse reads .csv files: the canonical kinds and the processors' exports); nothing of it was read"
            let moved = try move(file, to: "rejected", inbox: inbox, date: date, errorText: reason + "\n")
            observer.note("\(displayName): rejected: not a CSV file (moved to \(shown(moved)))")
            return RunInput(name: displayName, sha256: digest, bytes: file.bytes, fate: .unknownType, kind: "", movedTo: moved, errors: 1)
        }
        let outcome = try IngestJob.ingest(
            session, files: [(path: file.url.path, displayName: displayName)], kind: nil, recordedAt: nil, report: { _ in })[0]
        FaultPoint.reached("ingest")
        switch outcome.fate {
        case .landed(let ingested):
            let moved = try move(file, to: "processed", inbox: inbox, date: date, errorText: nil)
            return RunInput(
                name: displayName, sha256: ingested.sha256, bytes: file.bytes, fate: .landed, kind: ingested.kind.rawValue, movedTo: moved,
                errors: 0)
        case .alreadyIngested(let kind, let earlier):
            let moved = try move(file, to: "processed", inbox: inbox, date: date, errorText: nil)
            // Ingested under this very name by a run of this date that was killed before it
            // could move the file and record it: this run's delivery, landed.
            let quoted = JSONWriter.string(displayName)
            let landedByAnInterruptedRun = earlier.name == displayName && !recorded.contains { $0.contains("\"name\": \(quoted)") }
            return RunInput(
                name: displayName, sha256: earlier.sha256, bytes: file.bytes, fate: landedByAnInterruptedRun ? .landed : .known,
                kind: kind.rawValue, movedTo: moved, errors: 0)
        case .rejected(let kind, let errors):
            let digest = (try? sha256Hex(ofFileAt: file.url.path)) ?? ""
            // Every reason, not the first twenty a terminal shows.
            let text = outcome.lines(context: session.context, listed: Int.max).errors.joined(separator: "\n") + "\n"
            let moved = try move(file, to: "rejected", inbox: inbox, date: date, errorText: text)
            observer.note(
                "\(displayName): REJECTED (\(errors.count) error\(errors.count == 1 ? "" : "s"); every reason in \(shown(moved)).error.txt)")
            return RunInput(
                name: displayName, sha256: digest, bytes: file.bytes, fate: .rejected, kind: kind?.rawValue ?? "", movedTo: moved,
                errors: errors.count)
        }
    }

    /// Moves an inbox file to `bucket`/D/ (never over another file: a name taken, or whose
    /// `.error.txt` is taken, gets `-2`, `-3` …), with its reasons beside it in NAME.error.txt;
    /// returns where, relative to the inbox. Only the run (under its lock) writes these folders.
    static func move(_ file: InboxFile, to bucket: String, inbox: URL, date: CivilDate, errorText: String?) throws -> String {
        let manager = FileManager.default
        let folder = inbox.appendingPathComponent(bucket).appendingPathComponent(date.description)
        do {
            try manager.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw AppFailure(.cannotWrite, "\(folder.path): cannot create the folder: \(error.localizedDescription)")
        }
        var name = file.name
        var number = 2
        func taken(_ name: String) -> Bool {
            manager.fileExists(atPath: folder.appendingPathComponent(name).path)
                || manager.fileExists(atPath: folder.appendingPathComponent("\(name).error.txt").path)
        }
        while taken(name) {
            let stem = (file.name as NSString).deletingPathExtension
            let ext = (file.name as NSString).pathExtension
            name = ext.isEmpty ? "\(stem)-\(number)" : "\(stem)-\(number).\(ext)"
            number += 1
        }
        if let errorText {
            // The reasons first: a file in rejected/ always has them beside it.
            do {
                try Data(errorText.utf8).write(to: folder.appendingPathComponent("\(name).error.txt"))
            } catch {
                throw AppFailure(.cannotWrite, "\(bucket)/\(date)/\(name).error.txt: cannot write: \(error.localizedDescription)")
            }
        }
        guard rename(file.url.path, folder.appendingPathComponent(name).path) == 0 else {
            throw AppFailure(.cannotWrite, "\(file.name): cannot move it to \(bucket)/\(date)/: \(String(cString: strerror(errno)))")
        }
        return "\(bucket)/\(date)/\(name)"
    }

    /// The files in processed/D and rejected/D that neither this run handled nor an earlier run
    /// of the date that completed recorded: moved by a run killed before its record, or by a run
    /// that failed later. Their fate is what the failed run's record says, else the folder's
    /// (a processed file is in the ledger: landed then).
    static func movedByAnInterruptedRun(
        _ inbox: URL, date: CivilDate, handled: [RunInput], recorded: [String], failed: [RunInput], store: any LedgerStore
    ) throws -> [RunInput] {
        var found: [RunInput] = []
        // The ledger's files, read when the first such file needs its kind.
        var ledgerFiles: [IngestedFile]?
        let handledPaths = Set(handled.map(\.movedTo))
        for bucket in ["processed", "rejected"] {
            let folder = inbox.appendingPathComponent(bucket).appendingPathComponent(date.description)
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted {
                $0.utf8.lexicographicallyPrecedes($1.utf8)
            }
            for name in names where !name.hasSuffix(".error.txt") {
                let movedTo = "\(bucket)/\(date)/\(name)"
                let quoted = JSONWriter.string(movedTo)
                guard !handledPaths.contains(movedTo), !recorded.contains(where: { $0.contains("\"moved_to\": \(quoted)") }) else { continue }
                if let input = failed.last(where: { $0.movedTo == movedTo }) {
                    found.append(input)
                    continue
                }
                let url = folder.appendingPathComponent(name)
                var status = stat()
                guard stat(url.path, &status) == 0 else { continue }
                let digest = (try? sha256Hex(ofFileAt: url.path)) ?? ""
                if ledgerFiles == nil { ledgerFiles = try store.files() }
                var kind = ledgerFiles?.last { $0.sha256 == digest }?.kind.rawValue ?? ""
                var errors = 0
                var fate = RunInput.Fate.landed
                if bucket == "rejected" {
                    // What the reasons beside it say: "D/NAME: REJECTED (pos_lines): 2 errors; …".
                    let reasons = (try? String(contentsOf: folder.appendingPathComponent("\(name).error.txt"), encoding: .utf8)) ?? ""
                    let first = reasons.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? ""
                    if let open = first.range(of: "REJECTED ("), let close = first[open.upperBound...].firstIndex(of: ")") {
                        kind = String(first[open.upperBound..<close])
                    }
                    errors = reasons.split(separator: "\n").filter { $0.hasPrefix("  ") }.count
                    fate = name.lowercased().hasSuffix(".csv") ? .rejected : .unknownType
                    if fate == .unknownType { errors = 1 }
                }
                found.append(
                    RunInput(
                        name: "\(date)/\(name)", sha256: digest, bytes: Int64(status.st_size), fate: fate, kind: kind, movedTo: movedTo,
                        errors: errors))
            }
        }
        return found
    }

    /// The inputs a run's record names (`"inputs": [{"name": …, "fate": …}, …]`).
    static func inputsOf(_ details: String) -> [RunInput] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(details.utf8)) as? [String: Any],
            let inputs = object["inputs"] as? [[String: Any]]
        else { return [] }
        return inputs.compactMap { input in
            guard let name = input["name"] as? String, let fate = (input["fate"] as? String).flatMap(RunInput.Fate.init(rawValue:)),
                let movedTo = input["moved_to"] as? String
            else { return nil }
            return RunInput(
                name: name, sha256: input["sha256"] as? String ?? "", bytes: (input["bytes"] as? NSNumber)?.int64Value ?? 0, fate: fate,
                kind: input["kind"] as? String ?? "", movedTo: movedTo, errors: (input["errors"] as? NSNumber)?.intValue ?? 0)
        }
    }

    /// Removes what runs killed mid-way left in the outbox: dotted temporary and old folders of
    /// any date (`.2026-11-03.partial-…`). Only under the run lock: no other run writes there.
    static func removeLeftovers(inOutbox outbox: String) {
        let folder = URL(fileURLWithPath: outbox)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        where name.range(of: #"^\.\d{4}-\d{2}-\d{2}\.(partial|old|report\.xlsx)-"#, options: .regularExpression) != nil {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
    }

    // MARK: Outputs and the record

    /// Every file under OUTBOX/D with its sha256, by path (`D/day/journal.csv`).
    static func outputChecksums(_ folder: String, prefix: String) throws -> [(path: String, sha256: String)] {
        var outputs: [(path: String, sha256: String)] = []
        let manager = FileManager.default
        for sub in try manager.contentsOfDirectory(atPath: folder).sorted() {
            let subfolder = URL(fileURLWithPath: folder).appendingPathComponent(sub)
            for name in try manager.contentsOfDirectory(atPath: subfolder.path).sorted() {
                outputs.append(("\(prefix)/\(sub)/\(name)", try sha256Hex(ofFileAt: subfolder.appendingPathComponent(name).path)))
            }
        }
        return outputs
    }

    /// Appends the run's record. `attention`: something needed a person (recorded as such whatever
    /// the exit status, so `runs` shows those nights without --strict).
    static func record(
        _ store: any LedgerStore, context: AppContext, state: RunState, status: ExitStatus, attention: Bool,
        outputs: [(path: String, sha256: String)], counts: [(String, Int64)], message: String
    ) throws -> Int64 {
        func quoted(_ text: String) -> String { JSONWriter.string(text) }
        var json = "{\n  \"inputs\": ["
        json += state.inputs.map { input in
            "\n    {\"name\": \(quoted(input.name)), \"kind\": \(quoted(input.kind)), \"fate\": \(quoted(input.fate.rawValue)), "
                + "\"bytes\": \(input.bytes), \"sha256\": \(quoted(input.sha256)), \"moved_to\": \(quoted(input.movedTo)), \"errors\": \(input.errors)}"
        }.joined(separator: ",") + (state.inputs.isEmpty ? "],\n" : "\n  ],\n")
        json += "  \"outputs\": ["
        json += outputs.map { "\n    {\"path\": \(quoted($0.path)), \"sha256\": \(quoted($0.sha256))}" }.joined(separator: ",")
            + (outputs.isEmpty ? "],\n" : "\n  ],\n")
        json += "  \"counts\": {" + counts.map { "\(quoted($0.0)): \($0.1)" }.joined(separator: ", ") + "},\n"
        json += "  \"phases_ms\": {" + state.phases.map { "\(quoted($0.name)): \($0.milliseconds)" }.joined(separator: ", ") + "}\n}\n"
        let statusName: String
        switch status {
        case .done, .doneNeedingAttention: statusName = attention ? "done_needing_attention" : "done"
        default: statusName = "failed"
        }
        return try store.appendRun(
            RunRecord(
                id: 0, startedAt: state.startedAt, endedAt: state.endedAt, status: statusName, exitStatus: status.rawValue,
                businessDate: state.date, knowledgeTime: context.now, message: message, details: json))
    }
}

/// How long each step of a run took, on the monotonic clock.
struct StepClock {
    /// Before every phase's name (a retried attempt's phases are told apart).
    var prefix = ""
    private var last = PhaseTimer.nanoseconds()
    private(set) var phases: [(name: String, milliseconds: Int64)] = []

    init(prefix: String = "") { self.prefix = prefix }

    mutating func mark(_ name: String) {
        let now = PhaseTimer.nanoseconds()
        phases.append((prefix + name, (now - last) / 1_000_000))
        last = now
    }
}

/// Crash testing: `COUNTINGHOUSE_FAULT_KILL_AT=STEP` makes a run kill itself with SIGKILL when it
/// reaches that point (`ingest`: after the first file's ingest, before it is moved; `costs`,
/// `writing`, `swap`, `record`: before each), so tests can check that a rerun ends as an
/// uninterrupted run would.
/// `COUNTINGHOUSE_FAULT_STOP_AT=STEP` stops it there (SIGSTOP) instead, holding its lock, so a
/// test can start a second run meanwhile.
/// The stop happens once per process (a retried attempt passes the point again).
enum FaultPoint {
    static let killAt = ProcessInfo.processInfo.environment["COUNTINGHOUSE_FAULT_KILL_AT"]
    static let stopAt = ProcessInfo.processInfo.environment["COUNTINGHOUSE_FAULT_STOP_AT"]
    nonisolated(unsafe) private static var stopped = false

    static func reached(_ point: String) {
        if killAt == point { kill(getpid(), SIGKILL) }
        if stopAt == point && !stopped {
            stopped = true
            kill(getpid(), SIGSTOP)
        }
    }
}

extension RunJob {
    /// `runs`: every recorded run, in order, with its files' fates counted.
    public static func listing(_ session: Session) throws -> ReportTable {
        let context = session.context
        var table = ReportTable(
            name: "runs",
            columns: [
                ReportColumn("run_id", .number), ReportColumn("business_date", .date), ReportColumn("status", .text),
                ReportColumn("exit_status", .number), ReportColumn("started_at", .dateTime), ReportColumn("ended_at", .dateTime),
                ReportColumn("files_landed", .number), ReportColumn("files_already_known", .number), ReportColumn("files_rejected", .number),
                ReportColumn("message", .text),
            ])
        func time(_ instant: Instant) -> ReportCell { .dateTime(instant, offsetSeconds: context.offset(instant)) }
        for run in try session.store.runs() {
            let counts = countsOf(run.details)
            func count(_ name: String) -> ReportCell { counts[name].map(ReportCell.integer) ?? .empty }
            table.append([
                .integer(run.id), .date(run.businessDate), .text(run.status), .integer(Int64(run.exitStatus)), time(run.startedAt),
                time(run.endedAt), count("files_landed"), count("files_already_known"), count("files_rejected"), .text(run.message),
            ])
        }
        return table
    }

    /// `runs show ID`: one run, its details (inputs, outputs, counts, phases) as recorded.
    public static func describe(_ session: Session, id: Int64) throws -> String {
        guard let run = try session.store.run(id: id) else { throw AppFailure.rejected("no run \(id) is recorded (countinghouse runs lists them)") }
        let context = session.context
        return """
            run \(run.id) for \(run.businessDate): \(run.status) (exit status \(run.exitStatus))
            started \(context.display(run.startedAt)), ended \(context.display(run.endedAt)), as known at \(context.display(run.knowledgeTime))
            \(run.message)

            """ + run.details
    }

    /// The counts of a record's details (`"counts": {"files_landed": 3, …}`).
    static func countsOf(_ details: String) -> [String: Int64] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(details.utf8)) as? [String: Any],
            let counts = object["counts"] as? [String: Any]
        else { return [:] }
        var result: [String: Int64] = [:]
        for (name, value) in counts { if let number = value as? NSNumber { result[name] = number.int64Value } }
        return result
    }
}
