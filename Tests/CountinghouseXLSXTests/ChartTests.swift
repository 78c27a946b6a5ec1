import CountinghouseCore
import CountinghouseReport
import Foundation
import Testing

@testable import CountinghouseXLSX

/// Whether LibreOffice can render a page to pixels here (`make deps` installs libreoffice-calc-nogui
/// and poppler-utils, whose pdftoppm rasterizes the PDF).
let canRenderPages: Bool = hasLibreOffice && (try? run(["sh", "-c", "command -v pdftoppm"]))?.status == 0

/// The sales chart of the Summary sheet: both locations' daily sales, day by day.
func salesChart(width: Int = 720) -> ReportChart {
    ReportChart(
        title: "Daily sales", kind: .line, categories: ReportChart.Range(sheet: "Daily", table: 0, column: 0),
        series: [
            ReportChart.Series(name: "S01", values: ReportChart.Range(sheet: "Daily", table: 0, column: 1)),
            ReportChart.Series(name: "S02", values: ReportChart.Range(sheet: "Daily", table: 0, column: 2)),
        ],
        row: 4, column: 0, width: width, valueAxisTitle: "Sales (USD)")
}

/// The accountants' workbook in small: a Summary sheet (sales by location, `charts` under it) and a
/// Daily sheet (30 days of sales at two locations) that the charts draw.
func chartSheets(charts: [ReportChart] = [salesChart()]) -> [ReportSheet] {
    let first = CivilDate(year: 2026, month: 10, day: 1)!
    var daily = ReportTable(name: "daily", columns: [ReportColumn("date", .date), ReportColumn("S01", .money), ReportColumn("S02", .money)])
    var totals: [Int64] = [0, 0]
    for day in 0..<30 {
        // Two shapes that cannot be mistaken for each other: a weekly wave and a steady climb.
        let wave = Int64(1_200_00 + [0, 150_00, 320_00, 410_00, 280_00, 90_00, -60_00][day % 7])
        let climb = Int64(600_00 + day * 35_00)
        totals[0] += wave
        totals[1] += climb
        daily.append([.date(first.adding(days: Int64(day))), .money(wave, exponent: 2), .money(climb, exponent: 2)])
    }
    let summary = ReportTable(
        name: "summary", columns: [ReportColumn("location", .inputText), ReportColumn("sales", .money)],
        rows: [[.inputText("S01"), .money(totals[0], exponent: 2)], [.inputText("S02"), .money(totals[1], exponent: 2)]])
    return [ReportSheet(title: "Summary", tables: [summary], charts: charts), ReportSheet(title: "Daily", tables: [daily])]
}

@Suite struct ChartTests {
    func write(_ sheets: [ReportSheet], in folder: URL, name: String = "report.xlsx", rowsPerSheet: Int = XLSXWriter.rowsPerSheet)
        throws -> URL
    {
        let url = folder.appendingPathComponent(name)
        try XLSXWriter.write(
            sheets: sheets, to: url.path, properties: XLSXProperties(title: "Sales 2026-10", knowledgeTime: knowledgeTime),
            rowsPerSheet: rowsPerSheet)
        return url
    }

    @Test func theChartIsDrawnOnTheSummaryFromTheDailyColumns() throws {
        let folder = try temporaryFolder("chart-parts")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = try write(chartSheets(), in: folder)
        // The Summary (sheet1) has a drawing, the drawing has the chart, the Daily sheet has none.
        let summaryLinks = try part("xl/worksheets/_rels/sheet1.xml.rels", of: url)
        #expect(summaryLinks.contains(#"Target="../drawings/drawing1.xml""#))
        #expect(try part("xl/worksheets/sheet1.xml", of: url).contains(#"<drawing r:id="rId1"/>"#))
        #expect(try part("xl/drawings/_rels/drawing1.xml.rels", of: url).contains(#"Target="../charts/chart1.xml""#))
        #expect(try !part("xl/worksheets/sheet2.xml", of: url).contains("<drawing"))
        // Its corner at A5 (row 4, under the table), 720 × 288 pixels.
        let drawing = try part("xl/drawings/drawing1.xml", of: url)
        #expect(drawing.contains("<xdr:from><xdr:col>0</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>4</xdr:row>"))
        let chart = try part("xl/charts/chart1.xml", of: url)
        #expect(chart.contains("<c:lineChart>"))
        #expect(chart.contains("<a:t>Daily sales</a:t>"))
        #expect(chart.contains("<a:t>Sales (USD)</a:t>"))
        // Each series: its name, the dates as categories, its column's 30 data rows (not the header).
        #expect(chart.components(separatedBy: "<c:ser>").count - 1 == 2)
        #expect(chart.contains("<c:tx><c:v>S01</c:v></c:tx>"))
        #expect(chart.contains("<c:tx><c:v>S02</c:v></c:tx>"))
        #expect(chart.components(separatedBy: "<c:cat><c:numRef><c:f>'Daily'!$A$2:$A$31</c:f></c:numRef></c:cat>").count - 1 == 2)
        #expect(chart.contains("<c:val><c:numRef><c:f>'Daily'!$B$2:$B$31</c:f></c:numRef></c:val>"))
        #expect(chart.contains("<c:val><c:numRef><c:f>'Daily'!$C$2:$C$31</c:f></c:numRef></c:val>"))
        // Constant-memory mode: no cached values (the reader computes the chart from the cells),
        // and the dates keep their format on the category axis.
        #expect(!chart.contains("<c:numCache>"))
        #expect(chart.contains(#"<c:catAx><c:axId val="50010001"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:axPos val="b"/><c:numFmt formatCode="yyyy-mm-dd" sourceLinked="0"/>"#))
        // A workbook without charts has no chart parts.
        let plain = try write(chartSheets(charts: []), in: folder, name: "plain.xlsx")
        let listing = String(decoding: try run(["unzip", "-l", plain.path]).output, as: UTF8.self)
        #expect(!listing.contains("xl/charts/") && !listing.contains("xl/drawings/"))
    }

    @Test func everyKindIsItsNativeChart() throws {
        let folder = try temporaryFolder("chart-kinds")
        defer { try? FileManager.default.removeItem(at: folder) }
        var charts: [ReportChart] = []
        for (index, kind) in [ReportChart.Kind.column, .stackedColumn, .bar].enumerated() {
            var chart = salesChart()
            chart.kind = kind
            chart.row = 4 + 16 * index
            charts.append(chart)
        }
        let url = try write(chartSheets(charts: charts), in: folder)
        let column = try part("xl/charts/chart1.xml", of: url)
        #expect(column.contains(#"<c:barChart><c:barDir val="col"/><c:grouping val="clustered"/>"#))
        let stacked = try part("xl/charts/chart2.xml", of: url)
        #expect(stacked.contains(#"<c:barChart><c:barDir val="col"/><c:grouping val="stacked"/>"#))
        let bar = try part("xl/charts/chart3.xml", of: url)
        #expect(bar.contains(#"<c:barChart><c:barDir val="bar"/>"#))
        // A bar chart's value axis is its horizontal one: the title and the date format go to the
        // right axes although libxlsxwriter swaps x and y for bars.
        for xml in [column, stacked, bar] {
            let valueAxis = try #require(xml.components(separatedBy: "<c:valAx>").last)
            #expect(valueAxis.contains("<a:t>Sales (USD)</a:t>"))
            let categoryAxis = try #require(xml.components(separatedBy: "<c:catAx>").last?.components(separatedBy: "</c:catAx>").first)
            #expect(categoryAxis.contains(#"formatCode="yyyy-mm-dd""#))
        }
        #expect(bar.contains(#"<c:valAx><c:axId val="50010002"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:axPos val="b"/>"#))
    }

    @Test func chartsKeepTheWorkbookTheSameByteForByte() throws {
        let folder = try temporaryFolder("chart-same")
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try Data(contentsOf: write(chartSheets(), in: folder, name: "first.xlsx"))
        let second = try Data(contentsOf: write(chartSheets(), in: folder, name: "second.xlsx"))
        #expect(first == second)
        let plain = try Data(contentsOf: write(chartSheets(charts: []), in: folder, name: "plain.xlsx"))
        #expect(first != plain)
    }

    /// A table split over several parts is charted from its first part (a chart's range names one
    /// sheet); a corner below the last table of a split sheet lands on its last part.
    @Test func aSplitTableIsChartedFromItsFirstPart() throws {
        let folder = try temporaryFolder("chart-split")
        defer { try? FileManager.default.removeItem(at: folder) }
        var sheets = chartSheets()
        // Daily's 31 rows in parts of 10: the header and days 1-9, then 9 days under a repeated
        // header twice, then 3. Logical row 35 is 4 rows below the last day (logical row 30).
        var below = salesChart()
        below.title = "Below"
        below.row = 35
        below.column = 4
        sheets[1].charts = [below]
        let url = try write(sheets, in: folder, rowsPerSheet: 10)
        #expect(try sheetNames(of: url) == ["Summary", "Daily", "Daily (2)", "Daily (3)", "Daily (4)"])
        let chart = try part("xl/charts/chart1.xml", of: url)
        #expect(chart.contains("<c:f>'Daily'!$A$2:$A$10</c:f>"))
        #expect(chart.contains("<c:f>'Daily'!$B$2:$B$10</c:f>"))
        // `Daily (4)` holds a header and 3 days (rows 0-3): the corner is at row 3 + 1 + 4.
        #expect(try part("xl/worksheets/_rels/sheet5.xml.rels", of: url).contains("drawing"))
        let drawing = try part("xl/drawings/drawing2.xml", of: url)
        #expect(drawing.contains("<xdr:from><xdr:col>4</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>8</xdr:row>"))
    }

    /// A chart that cannot draw what it names fails the workbook, before anything is written: a
    /// report without its chart would look complete.
    @Test func aChartThatNamesNothingFailsTheWorkbook() throws {
        let folder = try temporaryFolder("chart-bad")
        defer { try? FileManager.default.removeItem(at: folder) }
        let operation = "drawing the chart 'Daily sales' on sheet 'Summary'"
        var cases: [(ReportChart, [ReportSheet]?, String)] = []
        var chart = salesChart()
        chart.categories.sheet = "Dialy"
        cases.append((chart, nil, "its categories: the workbook has no sheet 'Dialy'"))
        chart = salesChart()
        chart.series[1].values.table = 1
        cases.append((chart, nil, "its series 'S02': sheet 'Daily' has no table 1 (its tables are 0 to 0)"))
        chart = salesChart()
        chart.series[0].values.column = 3
        cases.append((chart, nil, "its series 'S01': table 0 of sheet 'Daily' has no column 3 (its columns are 0 to 2)"))
        chart = salesChart()
        chart.series = []
        cases.append((chart, nil, "it has no series"))
        chart = salesChart()
        chart.row = -1
        cases.append((chart, nil, "its corner (row -1, column 0) is outside the sheet"))
        var empty = chartSheets()
        empty[1].tables[0].rows = []
        cases.append((salesChart(), empty, "its categories: table 0 of sheet 'Daily' has no data rows"))
        for (chart, sheets, message) in cases {
            var sheets = sheets ?? chartSheets()
            sheets[0].charts = [chart]
            let error = #expect(throws: XLSXError.self) { try write(sheets, in: folder) }
            #expect(error?.operation == operation)
            #expect(error?.message == message)
            #expect(error?.description == "cannot write the workbook \(folder.path)/report.xlsx: \(operation): \(message)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty, "no file, no temporary file")
    }

    /// libxlsxwriter would read a chart text beginning with `=` as a reference to a cell: a
    /// series name from an input file (a location code) stays text, after a space.
    @Test func aSeriesNameThatLooksLikeAFormulaStaysText() throws {
        let folder = try temporaryFolder("chart-formula-name")
        defer { try? FileManager.default.removeItem(at: folder) }
        var formulaName = salesChart()
        formulaName.series[0].name = "=Daily!A1"
        try write(chartSheets(charts: [formulaName]), in: folder)
        let chart = try part("xl/charts/chart1.xml", of: folder.appendingPathComponent("report.xlsx"))
        #expect(chart.contains("<c:v> =Daily!A1</c:v>"), "\(chart)")
        #expect(!chart.contains("<c:f>=Daily!A1</c:f>") && !chart.contains("<c:f>Daily!A1</c:f>"))
    }

    /// The chart as a person sees it: LibreOffice renders the Summary sheet (the first page of the
    /// PDF) and the page has the chart's coloured lines, both series of them; the same workbook
    /// without the chart has no colour at all (text, grid and borders are black and grey). The
    /// pages are kept as PNG in `<temporary folder>/countinghouse-xlsx-chart-render/` for a look.
    @Test(
        .enabled(if: canRenderPages, "LibreOffice or pdftoppm is not installed (make deps installs libreoffice-calc-nogui, poppler-utils)"),
        .timeLimit(.minutes(2)))
    func libreOfficeDrawsTheChart() throws {
        let folder = try temporaryFolder("chart-render")
        defer { try? FileManager.default.removeItem(at: folder) }
        // The chart spans the cells libxlsxwriter measured for 480 pixels; LibreOffice without
        // Excel's fonts (Calibri, or Carlito) makes those columns some 25% wider, and a page
        // prints whole columns: 480 keeps the whole chart on the first page of an A4 or Letter.
        let withChart = try write(chartSheets(charts: [salesChart(width: 480)]), in: folder, name: "with-chart.xlsx")
        let withoutChart = try write(chartSheets(charts: []), in: folder, name: "without-chart.xlsx")
        let pdfs = folder.appendingPathComponent("pdf")
        let converted = try run([
            "soffice", "--headless", "-env:UserInstallation=file://\(folder.appendingPathComponent("profile").path)",
            "--convert-to", "pdf", "--outdir", pdfs.path, withChart.path, withoutChart.path,
        ])
        try #require(converted.status == 0, "soffice: \(converted.error)")
        let kept = FileManager.default.temporaryDirectory.appendingPathComponent("countinghouse-xlsx-chart-render")
        try FileManager.default.createDirectory(at: kept, withIntermediateDirectories: true)
        func firstPage(_ name: String) throws -> PixelImage {
            let pdf = pdfs.appendingPathComponent("\(name).pdf").path
            let png = try run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", pdf, kept.appendingPathComponent(name).path])
            #expect(png.status == 0, "pdftoppm -png: \(png.error)")
            let ppm = try run(["pdftoppm", "-r", "60", "-f", "1", "-l", "1", "-singlefile", pdf])
            try #require(ppm.status == 0, "pdftoppm: \(ppm.error)")
            return try #require(PixelImage(ppm: ppm.output), "pdftoppm wrote no binary PPM")
        }
        let drawn = try firstPage("with-chart")
        let plain = try firstPage("without-chart")
        #expect(drawn.width == plain.width && drawn.height == plain.height)
        // LibreOffice's first two series colours: a blue (S01) and a red (S02), each a line of
        // some 400 pixels at 60 dpi.
        let blue = drawn.count { red, green, blue in isColoured(red, green, blue) && blue > red }
        let red = drawn.count { red, green, blue in isColoured(red, green, blue) && red > blue }
        #expect(blue > 200, "S01's line: \(blue) blue pixels")
        #expect(red > 200, "S02's line: \(red) red pixels")
        #expect(plain.count(isColoured) < 10, "without the chart the page has no colour")
    }
}

/// Clearly coloured: neither white, grey nor black (a chart's series are; text and grid are not).
func isColoured(_ red: UInt8, _ green: UInt8, _ blue: UInt8) -> Bool {
    Int(max(red, green, blue)) - Int(min(red, green, blue)) > 60
}

/// An RGB image read from a binary PPM (P6, 8 bits a channel), as pdftoppm writes it.
struct PixelImage {
    var width: Int
    var height: Int
    var pixels: [UInt8]

    init?(ppm: Data) {
        let bytes = [UInt8](ppm)
        var index = 0
        // The header: P6, width, height and the largest value, separated by whitespace (and
        // comments from `#` to the line's end); one whitespace byte before the pixels.
        func token() -> String? {
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "#") {
                    while index < bytes.count && bytes[index] != UInt8(ascii: "\n") { index += 1 }
                } else if [9, 10, 13, 32].contains(bytes[index]) {
                    index += 1
                } else {
                    break
                }
            }
            let start = index
            while index < bytes.count && ![9, 10, 13, 32].contains(bytes[index]) { index += 1 }
            return start < index ? String(decoding: bytes[start..<index], as: UTF8.self) : nil
        }
        guard token() == "P6", let width = token().flatMap(Int.init), let height = token().flatMap(Int.init), token() == "255"
        else { return nil }
        index += 1
        guard bytes.count - index == width * height * 3 else { return nil }
        self.width = width
        self.height = height
        pixels = Array(bytes[index...])
    }

    /// How many pixels satisfy `test` (given red, green and blue).
    func count(_ test: (UInt8, UInt8, UInt8) -> Bool) -> Int {
        var count = 0
        for offset in stride(from: 0, to: pixels.count, by: 3) where test(pixels[offset], pixels[offset + 1], pixels[offset + 2]) {
            count += 1
        }
        return count
    }
}
