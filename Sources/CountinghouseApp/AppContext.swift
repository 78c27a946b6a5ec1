// What every use case shares: the configuration, the clock, the reporting time zone.
//
// Place in the pipeline: a command (or the nightly run) makes one `AppContext` from the flags it
// parsed, and hands it to the use cases. Precedence: flags, then environment variables
// (COUNTINGHOUSE_DATABASE, COUNTINGHOUSE_CURRENCY, COUNTINGHOUSE_TIMEZONE, COUNTINGHOUSE_CONFIG),
// then `countinghouse.toml`, then defaults. The clock is read here and nowhere else:
// COUNTINGHOUSE_NOW (an ISO 8601 instant) replaces it, so tests, backfills and demos can replay
// history.
// Errors a user can see: a configuration file that cannot be read or parsed (its file, line and
// key), an unknown currency or time zone, a COUNTINGHOUSE_NOW or COUNTINGHOUSE_BUSY_TIMEOUT that is
// not what it should be (all exit status `configuration`); a knowledge time typed in the future
// (`usage`).
import CountinghouseCore
import CountinghouseIngest
import CountinghouseStore
import Foundation

public struct AppContext: Sendable {
    public var configuration: Configuration
    public var zone: ReportingZone
    /// The clock: every "now" of the use cases.
    public var now: Instant
    /// How long a writer waits for another writer's lock before failing: the configuration's
    /// `busy_timeout_seconds`, or COUNTINGHOUSE_BUSY_TIMEOUT.
    public var busyTimeoutSeconds: Double { Double(configuration.busyTimeoutSeconds) }
    /// Whether the ledger is a PostgreSQL database (else a SQLite file), as the store reads its locator.
    public var ledgerIsPostgreSQL: Bool { isPostgresLocator(configuration.database.trimmingCharacters(in: .whitespaces)) }

    /// Reads the configuration file (`configPath`, else COUNTINGHOUSE_CONFIG, else
    /// ./countinghouse.toml when it exists), applies the environment and `database`, and reads the
    /// clock.
    public init(configPath: String? = nil, database: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(AppFailure)
    {
        var configuration = Configuration()
        // An empty variable is unset, as for the other variables.
        let explicitPath = configPath ?? environment["COUNTINGHOUSE_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        let path = explicitPath ?? "countinghouse.toml"
        if FileManager.default.fileExists(atPath: path) {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw AppFailure(.configuration, "\(path): cannot read the configuration file")
            }
            do {
                configuration = try Configuration.parse(String(decoding: data, as: UTF8.self), fileName: path)
            } catch {
                throw AppFailure(.configuration, error.description)
            }
        } else if let explicitPath {
            throw AppFailure(.configuration, "\(explicitPath): no such configuration file")
        }
        if let database = environment["COUNTINGHOUSE_DATABASE"], !database.isEmpty { configuration.database = database }
        if let currency = environment["COUNTINGHOUSE_CURRENCY"], !currency.isEmpty {
            guard CurrencyTable.exponent(of: currency.uppercased()) != nil else {
                throw AppFailure(.configuration, "COUNTINGHOUSE_CURRENCY=\(currency) is not an ISO 4217 currency code")
            }
            configuration.currency = currency.uppercased()
        }
        if let zone = environment["COUNTINGHOUSE_TIMEZONE"], !zone.isEmpty { configuration.timeZone = zone }
        if let text = environment["COUNTINGHOUSE_BUSY_TIMEOUT"], !text.isEmpty {
            guard let seconds = Int(text), seconds >= 0, seconds <= 86_400 else {
                throw AppFailure(.configuration, "COUNTINGHOUSE_BUSY_TIMEOUT=\(text) is not a whole number of seconds from 0 to 86400")
            }
            configuration.busyTimeoutSeconds = Int64(seconds)
        }
        if let database { configuration.database = database }
        self.configuration = configuration
        self.zone = try Self.zone(of: configuration)
        if let text = environment["COUNTINGHOUSE_NOW"], !text.isEmpty {
            guard let instant = TimestampText.parseInstant(text) else {
                throw AppFailure(
                    .configuration, "COUNTINGHOUSE_NOW=\(text) is not an ISO 8601 instant with an offset (e.g. 2026-11-05T06:00:00Z)")
            }
            self.now = instant
        } else {
            // The clock in whole milliseconds: knowledge times people read back (in messages, files
            // and run.json) and type again carry no digits of noise.
            var spec = timespec()
            clock_gettime(CLOCK_REALTIME, &spec)
            self.now = Instant(
                nanosecondsSinceEpoch: Int64(spec.tv_sec) * Instant.nanosecondsPerSecond + Int64(spec.tv_nsec) / 1_000_000 * 1_000_000)
        }
    }

    /// Now, as a knowledge time.
    public var knownNow: KnowledgeTime { KnowledgeTime(instant: now, date: nil, isNow: true) }

    /// A knowledge time a person typed for `option` (`--as-known-at`, `--recorded-at`): an instant
    /// with an offset, or a date meaning the end of that day. A time after now is refused: what is
    /// "known" then could still change, so the same command would not give the same bytes.
    public func knowledgeTime(typed text: String, option: String) throws(AppFailure) -> KnowledgeTime {
        let time: KnowledgeTime
        if let instant = TimestampText.parseInstant(text) {
            time = KnowledgeTime(instant: instant, date: nil, isNow: instant == now)
        } else if let date = TimestampText.parseDate(text) {
            time = KnowledgeTime(instant: endOfDay(date), date: date, isNow: false)
        } else {
            throw AppFailure(
                .usage, "\(option) \(text): expected a date (2026-10-31) or an instant with an offset (2026-10-31T18:00:00-05:00)")
        }
        if time.instant > now {
            throw AppFailure(
                .usage,
                "\(option) \(text) is after now (\(display(now))): what is known then can still change; "
                    + "give a time that has passed, or leave \(option) out for now")
        }
        return time
    }

    /// How a knowledge time reads in a message: the end of a date typed as one, else the instant.
    public func describe(_ time: KnowledgeTime) -> String {
        if let date = time.date { return "the end of \(date)" }
        return display(time.instant)
    }

    /// The last instant of a date in the reporting time zone (so "≤ T" includes the whole day).
    func endOfDay(_ date: CivilDate) -> Instant {
        Instant(nanosecondsSinceEpoch: zone.startOfDay(date.adding(days: 1)).nanosecondsSinceEpoch - 1)
    }

    /// A context with a configuration already made and a fixed clock (tests, and callers that
    /// build their configuration themselves).
    public init(configuration: Configuration, now: Instant) throws(AppFailure) {
        self.configuration = configuration
        self.zone = try Self.zone(of: configuration)
        self.now = now
    }

    private static func zone(of configuration: Configuration) throws(AppFailure) -> ReportingZone {
        guard let zone = ReportingZone(identifier: configuration.timeZone) else {
            throw AppFailure(
                .configuration, "unknown time zone \(configuration.timeZone): use an IANA name such as UTC or America/New_York")
        }
        return zone
    }

    /// Decimals of the functional currency.
    public var currencyExponent: Int { CurrencyTable.exponent(of: configuration.currency) ?? 2 }

    /// The offset function the core takes.
    public var offset: OffsetAtInstant { zone.offsetFunction }

    /// An instant in the reporting time zone, as outputs write it.
    public func display(_ instant: Instant) -> String { instant.iso8601(offsetSeconds: zone.offsetSeconds(at: instant)) }

    /// The first instant of a calendar day in the reporting time zone.
    public func startOfDay(_ date: CivilDate) -> Instant { zone.startOfDay(date) }

    /// A time a person typed: an ISO 8601 instant with an offset, or a bare date meaning the end of
    /// that day in the reporting time zone. Nil when the text is neither.
    public func instant(typed text: String) -> Instant? {
        if let instant = TimestampText.parseInstant(text) { return instant }
        return TimestampText.parseDate(text).map(endOfDay)
    }
}

/// A knowledge time ("as known at T", SEMANTICS §1) as a person gave it: now, an instant, or the
/// end of a date.
public struct KnowledgeTime: Sendable, Hashable {
    /// Rows recorded at or before this instant are known.
    public let instant: Instant
    /// The date a person typed, when they typed one.
    public let date: CivilDate?
    /// Whether this is the clock's now.
    public let isNow: Bool

    /// A knowledge time the program itself holds (a close's), read as an instant.
    public static func at(_ instant: Instant) -> KnowledgeTime { KnowledgeTime(instant: instant, date: nil, isNow: false) }
}

/// The reporting time zone, through Foundation's time-zone database (the application's edge; the
/// core takes offsets as numbers).
public struct ReportingZone: @unchecked Sendable {
    let timeZone: TimeZone

    public init?(identifier: String) {
        guard let timeZone = TimeZone(identifier: identifier) else { return nil }
        self.timeZone = timeZone
    }

    public func offsetSeconds(at instant: Instant) -> Int64 {
        let seconds = floorDivide(instant.nanosecondsSinceEpoch, Instant.nanosecondsPerSecond).quotient
        return Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds))))
    }

    /// The offset function the core takes (time-zone data stays at the edge). Asking Foundation's
    /// time-zone database costs microseconds, and a report asks once per row: offsets are
    /// remembered per quarter hour (every zone's transitions fall on quarter hours), so a year of
    /// rows asks Foundation a few thousand times.
    public var offsetFunction: OffsetAtInstant {
        let cache = OffsetCache(zone: self)
        return { cache.offset(at: $0) }
    }

    /// The first instant of a calendar day in this zone.
    public func startOfDay(_ date: CivilDate) -> Instant {
        let midnightUTC = Instant(date: date)
        var offset = offsetSeconds(at: midnightUTC)
        for _ in 0..<2 {
            let candidate = Instant(date: date, offsetSeconds: offset)
            let corrected = offsetSeconds(at: candidate)
            if corrected == offset { return candidate }
            offset = corrected
        }
        return Instant(date: date, offsetSeconds: offset)
    }
}

/// Offsets per quarter hour, shared by the threads of one use case.
final class OffsetCache: @unchecked Sendable {
    private let zone: ReportingZone
    private let lock = NSLock()
    private var offsets: [Int64: Int64] = [:]
    private static let quarterHour: Int64 = 900 * Instant.nanosecondsPerSecond

    init(zone: ReportingZone) { self.zone = zone }

    func offset(at instant: Instant) -> Int64 {
        let bucket = floorDivide(instant.nanosecondsSinceEpoch, Self.quarterHour).quotient
        lock.lock()
        defer { lock.unlock() }
        if let known = offsets[bucket] { return known }
        let offset = zone.offsetSeconds(at: Instant(nanosecondsSinceEpoch: bucket * Self.quarterHour))
        offsets[bucket] = offset
        return offset
    }
}
