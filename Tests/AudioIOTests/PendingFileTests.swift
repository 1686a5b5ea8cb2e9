import Foundation
import Glibc
import Testing
import TestSupport
@testable import AudioIO

/// The file behind every output, both ways it can be made: with no name until it is committed
/// (the usual case), and named from the start (file systems without `O_TMPFILE`).
@Suite struct PendingFileTests {
    let scratch: ScratchFolder
    var folder: String { scratch.path }

    init() throws { scratch = try ScratchFolder("pending") }

    var entries: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted() }

    static func write(_ text: String, to file: PendingFile) {
        let bytes = Array(text.utf8)
        #expect(Glibc.write(file.descriptor, bytes, bytes.count) == bytes.count)
    }

    @Test(arguments: [true, false])
    func committedReplacesKeepingTheOldPermissionsAndAbandonedLeavesNothing(unnamed: Bool) throws {
        let path = folder + "/out.txt"
        #expect(FileManager.default.createFile(atPath: path, contents: Data("old".utf8), attributes: [.posixPermissions: 0o640]))
        do {
            let abandoned = try PendingFile(path: path, unnamed: unnamed)
            Self.write("partial", to: abandoned)
            #expect(entries.count == (unnamed ? 1 : 2), "\(entries)")   // named: the temporary file is visible
        }
        #expect(entries == ["out.txt"])
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "old")

        let file = try PendingFile(path: path, unnamed: unnamed)
        Self.write("new", to: file)
        try file.commit()
        #expect(entries == ["out.txt"], "\(entries)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "new")
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode == 0o640)
    }

    /// A destination that is a link (here a chain of two) is written through: the file it names
    /// gets the new contents, keeping its permissions, and the links stay links. A link to
    /// nothing is refused and left as it is.
    @Test(arguments: [true, false])
    func aLinkIsWrittenThroughAndKept(unnamed: Bool) throws {
        try FileManager.default.createDirectory(atPath: folder + "/versions", withIntermediateDirectories: false)
        let target = folder + "/versions/v3.txt"
        #expect(FileManager.default.createFile(atPath: target, contents: Data("old".utf8), attributes: [.posixPermissions: 0o640]))
        try FileManager.default.createSymbolicLink(atPath: folder + "/current.txt", withDestinationPath: "versions/v3.txt")
        try FileManager.default.createSymbolicLink(atPath: folder + "/latest.txt", withDestinationPath: folder + "/current.txt")
        let file = try PendingFile(path: folder + "/latest.txt", unnamed: unnamed)
        Self.write("new", to: file)
        try file.commit()
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "new")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: folder + "/latest.txt") == folder + "/current.txt")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: folder + "/current.txt") == "versions/v3.txt")
        #expect(try FileManager.default.attributesOfItem(atPath: target)[.posixPermissions] as? Int == 0o640)
        #expect(entries == ["current.txt", "latest.txt", "versions"], "\(entries)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/versions") == ["v3.txt"])

        try FileManager.default.createSymbolicLink(atPath: folder + "/nowhere.txt", withDestinationPath: "versions/v4.txt")
        do {
            _ = try PendingFile(path: folder + "/nowhere.txt", unnamed: unnamed)
            Issue.record("wrote through a link to nothing")
        } catch {
            #expect(error.description.contains("is a link to a file that does not exist; nothing was written"), "\(error)")
        }
        #expect(entries == ["current.txt", "latest.txt", "nowhere.txt", "versions"], "\(entries)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/versions") == ["v3.txt"])
    }

    /// The temporary name `commit` links an unnamed file under must not take an existing file's:
    /// a stale temporary file of the same prefix is left alone, and the new file still lands.
    @Test func aNewFileLandsWhateverTemporaryFilesAreThere() throws {
        let path = folder + "/song.wav.txt"
        let stale = PendingFile.temporaryPrefix(for: path) + "Ab12Cd"
        #expect(FileManager.default.createFile(atPath: folder + "/" + stale, contents: Data("stale".utf8)))
        let file = try PendingFile(path: path)
        Self.write("whole", to: file)
        try file.commit()
        #expect(entries == [stale, "song.wav.txt"].sorted(), "\(entries)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "whole")
        #expect(try String(contentsOfFile: folder + "/" + stale, encoding: .utf8) == "stale")
    }

    /// A commit that must not replace (the console's export): the file lands under a free name,
    /// and where one has appeared meanwhile it fails with "exists", leaving that file and the
    /// folder as they were.
    @Test(arguments: [true, false])
    func aCommitThatMustNotReplaceLandsOnlyUnderAFreeName(unnamed: Bool) throws {
        let path = folder + "/export.txt"
        let free = try PendingFile(path: path, unnamed: unnamed)
        Self.write("first", to: free)
        try free.commit(replacing: false)
        #expect(entries == ["export.txt"], "\(entries)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "first")

        let late = try PendingFile(path: path, unnamed: unnamed)
        Self.write("second", to: late)
        #expect {
            try late.commit(replacing: false)
        } throws: { error in
            (error as? AudioFileError)?.description.contains("exists") == true
        }
        #expect(entries == ["export.txt"], "\(entries)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "first")
    }
}
