// What every command shares: the configuration, the clock, the reporting time zone and the ledger.
//
// Precedence: flags, then environment variables (COUNTINGHOUSE_DATABASE, COUNTINGHOUSE_CURRENCY,
// COUNTINGHOUSE_TIMEZONE, COUNTINGHOUSE_CONFIG), then `countinghouse.toml`, then defaults. The
// clock is read here and nowhere else: COUNTINGHOUSE_NOW (an ISO 8601 instant) replaces it, so
// tests, backfills and demos can replay history.
import ArgumentParser
import CountinghouseCore
import CountinghouseIngest
import CountinghouseStore
import Foundation

struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "The ledger: a SQLite file path or a postgres:// URL (env COUNTINGHOUSE_DATABASE).")
    var database: String?

    @Option(name: .long, help: "The configuration file (env COUNTINGHOUSE_CONFIG; default ./countinghouse.toml).")
    var config: String?
}

/// A failure the user can act on: printed as is, exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

struct CommandEnvironment {
    var configuration: Configuration
    var zone: ReportingZone
    var now: Instant

    init(_ options: GlobalOptions) throws {
        let environment = ProcessInfo.processInfo.environment
        var configuration = Configuration()
        let explicitPath = options.config ?? environment["COUNTINGHOUSE_CONFIG"]
        let path = explicitPath ?? "countinghouse.toml"
        if FileManager.default.fileExists(atPath: path) {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CommandFailure("\(path): cannot read the configuration file")
            }
            do {
                configuration = try Configuration.parse(String(decoding: data, as: UTF8.self), fileName: path)
            } catch {
                throw CommandFailure(error.description)
            }
        } else if let explicitPath {
            throw CommandFailure("\(explicitPath): no such configuration file")
        }
        if let database = environment["COUNTINGHOUSE_DATABASE"], !database.isEmpty { configuration.database = database }
        if let currency = environment["COUNTINGHOUSE_CURRENCY"], !currency.isEmpty {
            guard CurrencyTable.exponent(of: currency.uppercased()) != nil else {
                throw CommandFailure("COUNTINGHOUSE_CURRENCY=\(currency) is not an ISO 4217 currency code")
            }
            configuration.currency = currency.uppercased()
        }
        if let zone = environment["COUNTINGHOUSE_TIMEZONE"], !zone.isEmpty { configuration.timeZone = zone }
        if let database = options.database { configuration.database = database }
        guard let zone = ReportingZone(identifier: configuration.timeZone) else {
            throw CommandFailure(
                "unknown time zone \(configuration.timeZone): use an IANA name such as UTC or America/New_York")
        }
        self.configuration = configuration
        self.zone = zone
        if let text = environment["COUNTINGHOUSE_NOW"], !text.isEmpty {
            guard let instant = TimestampText.parseInstant(text) else {
                throw CommandFailure(
                    "COUNTINGHOUSE_NOW=\(text) is not an ISO 8601 instant with an offset (e.g. 2026-11-05T06:00:00Z)")
            }
            self.now = instant
        } else {
            var spec = timespec()
            clock_gettime(CLOCK_REALTIME, &spec)
            self.now = Instant(
                nanosecondsSinceEpoch: Int64(spec.tv_sec) * Instant.nanosecondsPerSecond + Int64(spec.tv_nsec))
        }
    }

    var currencyExponent: Int { CurrencyTable.exponent(of: configuration.currency) ?? 2 }

    /// Opens the ledger and applies pending migrations (first use initialises it).
    func openStore() throws -> any LedgerStore {
        try openLedgerStore(locator: configuration.database, mode: .createOrMigrate)
    }

    /// A time argument: an ISO 8601 instant with an offset, or a bare date meaning the end of that
    /// day in the reporting time zone (its last nanosecond, so "≤ T" includes the whole day).
    func instant(argument text: String, option: String) throws -> Instant {
        if let instant = TimestampText.parseInstant(text) { return instant }
        if let date = TimestampText.parseDate(text) {
            return Instant(nanosecondsSinceEpoch: zone.startOfDay(date.adding(days: 1)).nanosecondsSinceEpoch - 1)
        }
        throw ValidationError(
            "\(option) \(text): expected a date (2026-10-31) or an instant with an offset (2026-10-31T18:00:00-05:00)")
    }

    /// An instant in the reporting time zone, as outputs write it.
    func display(_ instant: Instant) -> String { instant.iso8601(offsetSeconds: zone.offsetSeconds(at: instant)) }
}

/// The reporting time zone, through Foundation's time-zone database (the CLI's edge; the core
/// takes offsets as numbers).
struct ReportingZone: @unchecked Sendable {
    let timeZone: TimeZone

    init?(identifier: String) {
        guard let timeZone = TimeZone(identifier: identifier) else { return nil }
        self.timeZone = timeZone
    }

    func offsetSeconds(at instant: Instant) -> Int64 {
        let date = Date(timeIntervalSince1970: TimeInterval(floorDivide(instant.nanosecondsSinceEpoch, Instant.nanosecondsPerSecond).quotient))
        return Int64(timeZone.secondsFromGMT(for: date))
    }

    /// The offset function the core takes (time-zone data stays at the edge). Asking Foundation's
    /// time-zone database costs microseconds, and a report asks once per row: offsets are
    /// remembered per quarter hour (every zone's transitions fall on quarter hours), so a year of
    /// rows asks Foundation a few thousand times.
    var offsetFunction: OffsetAtInstant {
        let cache = OffsetCache(zone: self)
        return { cache.offset(at: $0) }
    }

    /// The first instant of a calendar day in this zone.
    func startOfDay(_ date: CivilDate) -> Instant {
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

/// Offsets per quarter hour, shared by the threads of one command.
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

/// Prints to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

extension Table.Format: ExpressibleByArgument {}
