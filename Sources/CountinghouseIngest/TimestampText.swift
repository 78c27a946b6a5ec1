// Times typed by people on the command line, read by the same parsers as input files.
import CountinghouseCore

public enum TimestampText {
    /// An ISO 8601 instant with an offset (`2026-11-05T06:00:00Z`), or nil.
    public static func parseInstant(_ text: String) -> Instant? {
        text.withBytes { bytes in try? CountinghouseIngest.parseInstant(trimmed(bytes)).get() }
    }

    /// A calendar date `YYYY-MM-DD`, or nil.
    public static func parseDate(_ text: String) -> CivilDate? {
        text.withBytes { bytes in try? CountinghouseIngest.parseDate(trimmed(bytes)).get() }
    }
}
