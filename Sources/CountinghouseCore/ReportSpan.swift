// The span a report covers: a period (calendar month), one day, or a from–to range of days
// (SEMANTICS §2). The CLI turns the first and last day into instants in the reporting time zone:
// the span is [start of first day, start of the day after the last day).

public struct ReportSpan: Sendable, Hashable, CustomStringConvertible {
    public var firstDay: CivilDate
    public var lastDay: CivilDate

    public init?(firstDay: CivilDate, lastDay: CivilDate) {
        guard firstDay <= lastDay else { return nil }
        self.firstDay = firstDay
        self.lastDay = lastDay
    }

    /// `2026-11` → November 2026.
    public static func period(_ text: String) -> ReportSpan? { Period(text)?.span }

    /// The day after the last day: the span's end is the first instant of this day.
    public var endDay: CivilDate { lastDay.adding(days: 1) }

    public var description: String {
        if firstDay.day == 1 && lastDay.adding(days: 1).day == 1 && firstDay.month == lastDay.month
            && firstDay.year == lastDay.year
        {
            return String(firstDay.description.prefix(7))
        }
        return firstDay == lastDay ? firstDay.description : "\(firstDay)..\(lastDay)"
    }
}
