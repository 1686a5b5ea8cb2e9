import Foundation
import Testing
import TestSupport

/// Runs the built `loopmind` executable, as a user or a script would.
struct LoopMindExecutable {
    struct Result {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    /// The products folder: the test bundle sits next to the executable.
    static var path: String {
        if let override = ProcessInfo.processInfo.environment["LOOPMIND_BIN"] { return override }
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = bundle.deletingLastPathComponent()
        // Inside an .xctest bundle the binary may sit a few levels down.
        while !FileManager.default.isExecutableFile(atPath: folder.appendingPathComponent("loopmind").path),
              folder.pathComponents.count > 2 {
            folder = folder.deletingLastPathComponent()
        }
        return folder.appendingPathComponent("loopmind").path
    }

    /// A data folder of the test run's own, so no test sees a real profile.
    static let isolatedDataHome = try! ScratchFolder("data", untilExit: true).path

    /// Runs a shell command line (for `script`, which gives the program a terminal); returns stdout.
    static func runShell(_ commandLine: String, environment: [String: String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", commandLine]
        var env = ProcessInfo.processInfo.environment
        env["XDG_DATA_HOME"] = isolatedDataHome
        env["NO_COLOR"] = nil   // only what the caller asks for
        env.merge(environment) { $1 }
        process.environment = env
        let scratch = NSTemporaryDirectory() + "loopmind-shell-\(UUID().uuidString)"
        try #require(FileManager.default.createFile(atPath: scratch, contents: nil))
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch))
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try output.close()
        return String(decoding: try Data(contentsOf: URL(fileURLWithPath: scratch)), as: UTF8.self)
    }

    /// `standardInput`: a file the program reads as its standard input (none: /dev/null).
    static func run(_ arguments: [String], environment: [String: String] = [:], in directory: String? = nil,
                    standardInput: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        // Style profiles of the person running the tests are never read or written.
        env["XDG_DATA_HOME"] = isolatedDataHome
        env.merge(environment) { $1 }
        process.environment = env
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        // Output goes to files rather than pipes, so a large output can never block the child.
        let scratch = NSTemporaryDirectory() + "loopmind-run-\(UUID().uuidString)"
        try #require(FileManager.default.createFile(atPath: scratch + ".out", contents: nil))
        try #require(FileManager.default.createFile(atPath: scratch + ".err", contents: nil))
        defer {
            try? FileManager.default.removeItem(atPath: scratch + ".out")
            try? FileManager.default.removeItem(atPath: scratch + ".err")
        }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch + ".out"))
        let error = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch + ".err"))
        process.standardOutput = output
        process.standardError = error
        process.standardInput = try standardInput.map { try #require(FileHandle(forReadingAtPath: $0)) } ?? FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try output.close()
        try error.close()
        let outData = try Data(contentsOf: URL(fileURLWithPath: scratch + ".out"))
        let errData = try Data(contentsOf: URL(fileURLWithPath: scratch + ".err"))
        return Result(status: process.terminationStatus,
                      standardOutput: String(decoding: outData, as: UTF8.self),
                      standardError: String(decoding: errData, as: UTF8.self))
    }
}
