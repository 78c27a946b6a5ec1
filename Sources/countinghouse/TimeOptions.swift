import ArgumentParser
import CountinghouseApp
import CountinghouseCore

/// `--as-known-at T`: use only rows recorded by then.
struct KnownAtOption: ParsableArguments {
    @Option(name: .customLong("as-known-at"), help: "Use only rows recorded by then (a date means the end of that day).")
    var asKnownAt: String?

    func instant(_ context: AppContext) throws -> Instant? {
        try asKnownAt.map { try context.instant(argument: $0, option: "--as-known-at") }
    }
}

/// `--as-of T`: what had happened by then.
struct AsOfOption: ParsableArguments {
    @Option(name: .customLong("as-of"), help: "What had happened by this instant (a date means the end of that day).")
    var asOf: String?

    func instant(_ context: AppContext) throws -> Instant? {
        try asOf.map { try context.instant(argument: $0, option: "--as-of") }
    }
}
