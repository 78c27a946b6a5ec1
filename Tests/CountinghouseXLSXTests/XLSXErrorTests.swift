import CountinghouseCore
import CountinghouseReport
import Foundation
import Testing

@testable import CountinghouseXLSX

/// Every way the world can refuse the workbook ends as an `XLSXError` with libxlsxwriter's message
/// and the file's name, and leaves no file behind (neither the workbook nor its temporary name).
@Suite struct XLSXErrorTests {
    let properties = XLSXProperties(knowledgeTime: knowledgeTime)

    func failure(writing sheets: [ReportSheet] = sampleSheets(), to path: String) -> XLSXError? {
        do {
            try XLSXWriter.write(sheets: sheets, to: path, properties: properties)
            return nil
        } catch let error as XLSXError {
            return error
        } catch {
            Issue.record("not an XLSXError: \(error)")
            return nil
        }
    }

    func files(in folder: URL) -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted() }

    @Test func aFolderThatDoesNotExist() throws {
        let folder = try temporaryFolder("missing")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("no-such-folder/report.xlsx").path
        let error = try #require(failure(to: path))
        #expect(error.path == path)
        #expect(error.code == 2)  // LXW_ERROR_CREATING_XLSX_FILE
        #expect(
            error.description == "cannot write the workbook \(path): writing the file: "
                + "Error creating output xlsx file. Usually a permissions error. (No such file or directory)")
        #expect(files(in: folder).isEmpty)
    }

    @Test func aFileWhereTheFolderShouldBe() throws {
        let folder = try temporaryFolder("file-as-folder")
        defer { try? FileManager.default.removeItem(at: folder) }
        FileManager.default.createFile(atPath: folder.appendingPathComponent("reports").path, contents: Data("x".utf8))
        let path = folder.appendingPathComponent("reports/report.xlsx").path
        let error = try #require(failure(to: path))
        #expect(error.message == "Error creating output xlsx file. Usually a permissions error. (Not a directory)")
        #expect(files(in: folder) == ["reports"])
    }

    /// The temporary name taken by a folder: libxlsxwriter cannot create the file when it closes.
    @Test func theFileCannotBeCreatedWhenTheWorkbookCloses() throws {
        let folder = try temporaryFolder("blocked")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent(".report.xlsx.partial"), withIntermediateDirectories: false)
        let error = try #require(failure(to: folder.appendingPathComponent("report.xlsx").path))
        #expect(error.operation == "writing the file")
        #expect(error.message == "Error creating output xlsx file. Usually a permissions error. (Is a directory)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("report.xlsx").path))
    }

    /// A folder (with a file in it) where the workbook should be: the rename into place fails and
    /// the written temporary file is removed.
    @Test func theWorkbookCannotBeRenamedIntoPlace() throws {
        let folder = try temporaryFolder("rename")
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("report.xlsx")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: false)
        FileManager.default.createFile(atPath: target.appendingPathComponent("keep").path, contents: Data())
        let error = try #require(failure(to: target.path))
        #expect(error.operation.hasPrefix("renaming "))
        #expect(files(in: folder) == ["report.xlsx"])
    }

    @Test func aTextLongerThanACellHolds() throws {
        let folder = try temporaryFolder("long")
        defer { try? FileManager.default.removeItem(at: folder) }
        let table = ReportTable(name: "notes", columns: [ReportColumn("note", .inputText)], rows: [[.inputText(String(repeating: "n", count: 32_768))]])
        let error = try #require(failure(writing: [ReportSheet(title: "Notes", tables: [table])], to: folder.appendingPathComponent("report.xlsx").path))
        #expect(error.operation == "writing sheet 'Notes' cell A2")
        #expect(error.message == "String exceeds Excel's limit of 32,767 characters.")
        #expect(files(in: folder).isEmpty)
    }

    @Test func aSheetNameExcelRefuses() throws {
        let folder = try temporaryFolder("name")
        defer { try? FileManager.default.removeItem(at: folder) }
        let table = ReportTable(name: "x", columns: [ReportColumn("x", .text)])
        let error = try #require(failure(writing: [ReportSheet(title: "Profit/Loss", tables: [table])], to: folder.appendingPathComponent("report.xlsx").path))
        #expect(error.operation == "naming a sheet 'Profit/Loss'")
        #expect(error.message == "Worksheet name cannot contain invalid characters: '[ ] : * ? / \\'")
        let twice = try #require(failure(writing: [ReportSheet(title: "A", tables: [table]), ReportSheet(title: "a", tables: [table])], to: folder.appendingPathComponent("report.xlsx").path))
        #expect(twice.message == "two sheets have this name")
        #expect(files(in: folder).isEmpty)
    }

    /// A folder the user may not write: with permissions when not root, else a read-only tmpfs.
    @Test func anUnwritableFolder() throws {
        func check(_ folder: URL) throws {
            let error = try #require(failure(to: folder.appendingPathComponent("report.xlsx").path))
            #expect(error.code == 2)  // LXW_ERROR_CREATING_XLSX_FILE
            #expect(error.message.hasSuffix("(Permission denied)") || error.message.hasSuffix("(Read-only file system)"))
            #expect(files(in: folder).isEmpty)
        }
        if getuid() != 0 {
            let folder = try temporaryFolder("unwritable")
            defer {
                chmod(folder.path, 0o700)
                try? FileManager.default.removeItem(at: folder)
            }
            chmod(folder.path, 0o500)
            try check(folder)
        } else if canMountTmpfs {
            try withTmpfs(options: "ro,size=64k") { try check($0) }
        }
    }

    /// A full disk: a 64 kB tmpfs takes the temporary files of a sheet of 20,000 rows only in part.
    @Test(.enabled(if: canMountTmpfs, "mounting a tmpfs needs root (and a container that allows it)"))
    func aFullDisk() throws {
        var table = ReportTable(name: "journal", columns: [ReportColumn("memo", .inputText), ReportColumn("amount", .money)])
        for index in 0..<20_000 { table.rows.append([.inputText("line \(index) of a long enough memo"), .money(Int64(index), exponent: 2)]) }
        try withTmpfs(options: "size=64k") { folder in
            let error = try #require(failure(writing: [ReportSheet(title: "Journal", tables: [table])], to: folder.appendingPathComponent("report.xlsx").path))
            #expect(error.operation == "writing the file")
            #expect(error.message.hasSuffix("(No space left on device)"))
            #expect(files(in: folder).isEmpty)
        }
    }
}
