// How a use case ends, for a person and for a scheduler: one table of exit statuses shared by
// every command (the nightly `run` among them), and the failure every use case throws.
//
// Place in the pipeline: the use cases throw `AppFailure` with the status that says what kind of
// failure it is; the command prints the message to standard error and exits with the status. The
// statuses follow sysexits(3) where one fits, so that cron, systemd and a person reading a log can
// tell "fix the input" from "try again later" from "call someone".

/// The exit statuses of every command.
public enum ExitStatus: Int32, CaseIterable, Sendable {
    /// Done: everything asked for happened.
    case done = 0
    /// Refused: a file was rejected, a check failed, or a request cannot be honoured (a period
    /// not ended, an unknown entry id). The message says what and why; nothing half-written.
    case rejected = 1
    /// Usage: an unknown option or a bad argument.
    case usage = 2
    /// Done, but something needs a person: a rejected file, an empty inbox, a day without a run,
    /// an exception of the card reconciliation (only `run --strict` says so; systemd units list it
    /// in SuccessExitStatus).
    case doneNeedingAttention = 3
    /// The ledger cannot be reached: the database is down, does not answer, does not exist, or
    /// the connection died mid-run (EX_UNAVAILABLE).
    case databaseUnreachable = 69
    /// A bug: something the program assumes did not hold. The message says what to report
    /// (EX_SOFTWARE).
    case internalError = 70
    /// An output (a report folder) could not be written (EX_CANTCREAT).
    case cannotWrite = 73
    /// Another process (an ingest, a close, a cost refresh) holds the ledger; try again later
    /// (EX_TEMPFAIL: schedulers retry).
    case ledgerBusy = 75
    /// The ledger is read-only for this user (EX_NOPERM).
    case readOnly = 77
    /// The configuration is wrong: the file, an environment variable (EX_CONFIG).
    case configuration = 78

    /// One line per status, as `--help` and the README show them.
    public static var table: String {
        allCases.map { status in
            let code = String(status.rawValue)
            return String(repeating: " ", count: 3 - code.count) + code + "  " + status.meaning
        }.joined(separator: "\n")
    }

    public var meaning: String {
        switch self {
        case .done: return "done"
        case .rejected: return "refused: a rejected file, a failed check, a request that cannot be honoured"
        case .usage: return "usage: an unknown option or a bad argument"
        case .doneNeedingAttention: return "done, but something needs a person (run --strict)"
        case .databaseUnreachable: return "the ledger cannot be reached (down, unreachable, or not created)"
        case .internalError: return "internal error (a bug: please report the message)"
        case .cannotWrite: return "an output cannot be written"
        case .ledgerBusy: return "another process holds the ledger: try again later"
        case .readOnly: return "the ledger is read-only"
        case .configuration: return "the configuration is wrong"
        }
    }
}

/// A failure a person can act on: its message, printed as is, and its exit status.
public struct AppFailure: Error, CustomStringConvertible, Sendable {
    public var status: ExitStatus
    public var message: String

    public init(_ status: ExitStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    /// A request that cannot be honoured (exit status 1).
    public static func rejected(_ message: String) -> AppFailure { AppFailure(.rejected, message) }

    public var description: String { message }
}
