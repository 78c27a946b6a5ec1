import ArgumentParser
import CountinghouseCore

/// `--as-known-at T`: use only rows recorded by then.
struct KnownAtOption: ParsableArguments {
    @Option(name: .customLong("as-known-at"), help: "Use only rows recorded by then (a date means the end of that day).")
    var asKnownAt: String?

    func instant(_ environment: CommandEnvironment) throws -> Instant? {
        try asKnownAt.map { try environment.instant(argument: $0, option: "--as-known-at") }
    }
}

/// `--as-of T`: what had happened by then.
struct AsOfOption: ParsableArguments {
    @Option(name: .customLong("as-of"), help: "What had happened by this instant (a date means the end of that day).")
    var asOf: String?

    func instant(_ environment: CommandEnvironment) throws -> Instant? {
        try asOf.map { try environment.instant(argument: $0, option: "--as-of") }
    }
}
