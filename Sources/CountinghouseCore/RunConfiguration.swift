// `[run]` in countinghouse.toml: where the nightly `run` finds its files and puts its reports, how
// it retries a lost database connection, and how long it waits for another run's lock.
//
// Rules: every key is optional; the command line's --inbox and --outbox win over these. Retries
// wait `retry_wait_seconds`, doubling each time up to `retry_max_wait_seconds`, for at most
// `retries` more attempts; 0 retries fails at the first lost connection.
public struct RunSettings: Sendable, Hashable {
    public var inbox: String?
    public var outbox: String?
    /// More attempts after a lost or refused database connection.
    public var retries: Int64 = 3
    public var retryWaitSeconds: Int64 = 5
    public var retryMaxWaitSeconds: Int64 = 60
    /// How long a run waits for another run to finish before it gives up with exit status 75 (0:
    /// it gives up at once).
    public var lockWaitSeconds: Int64 = 0

    public init() {}

    /// The wait before retry `attempt` (1, 2, …): the first wait, doubled each time, capped.
    public func wait(beforeRetry attempt: Int64) -> Int64 {
        var wait = max(retryWaitSeconds, 0)
        var step: Int64 = 1
        while step < attempt && wait < retryMaxWaitSeconds {
            wait = wait > retryMaxWaitSeconds / 2 ? retryMaxWaitSeconds : wait * 2
            step += 1
        }
        return min(wait, retryMaxWaitSeconds)
    }
}

extension Configuration {
    static let runSchema = ConfigurationSchema(
        keys: [
            .init("inbox", .string), .init("outbox", .string), .init("retries", .integer), .init("retry_wait_seconds", .integer),
            .init("retry_max_wait_seconds", .integer), .init("lock_wait_seconds", .integer),
        ])

    mutating func applyRun(_ table: ConfigurationTable) throws(ConfigurationError) {
        var settings = RunSettings()
        settings.inbox = table.string("inbox")
        settings.outbox = table.string("outbox")
        func seconds(_ key: String, _ range: ClosedRange<Int64>, _ what: String) throws(ConfigurationError) -> Int64? {
            guard let value = table.integer(key) else { return nil }
            guard range.contains(value) else { throw table.error(at: key, "\(key) in [run] must be \(what)") }
            return value
        }
        if let value = try seconds("retries", 0...100, "0 to 100") { settings.retries = value }
        if let value = try seconds("retry_wait_seconds", 0...3_600, "0 to 3600 seconds") { settings.retryWaitSeconds = value }
        if let value = try seconds("retry_max_wait_seconds", 0...86_400, "0 to 86400 seconds") { settings.retryMaxWaitSeconds = value }
        if let value = try seconds("lock_wait_seconds", 0...86_400, "0 to 86400 seconds") { settings.lockWaitSeconds = value }
        guard settings.retryMaxWaitSeconds >= settings.retryWaitSeconds else {
            throw table.error(at: "retry_max_wait_seconds", "retry_max_wait_seconds in [run] must not be less than retry_wait_seconds")
        }
        run = settings
    }
}
