import ArgumentParser
import CountinghouseApp
import CountinghouseCore

/// `--as-known-at T`: use only rows recorded by then.
struct KnownAtOption: ParsableArguments {
    @Option(name: .customLong("as-known-at"), help: "Use only rows recorded by then (a date means the end of that day).")
    var asKnownAt: String?

    /// The knowledge time given, else now.
    func time(_ context: AppContext) throws -> KnowledgeTime {
        try asKnownAt.map { try context.knowledgeTime(typed: $0, option: "--as-known-at") } ?? context.knownNow
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
