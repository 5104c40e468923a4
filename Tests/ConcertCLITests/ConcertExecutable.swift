import Foundation

/// Runs the `concert` executable that `swift build` put beside the test bundle.
enum ConcertExecutable {
    static var url: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("concert")
    }

    /// Runs `concert arguments…` to its end; returns its exit status and what it printed.
    static func run(
        _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]
    ) throws -> (
        status: Int32, output: String, errors: String
    ) {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let outputData = output.fileHandleForReading.readToEndRetryingInterrupts()
        let errorData = errors.fileHandleForReading.readToEndRetryingInterrupts()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: outputData, as: UTF8.self),
            String(decoding: errorData, as: UTF8.self)
        )
    }
}

extension FileHandle {
    /// Everything left to read, read again where a signal interrupted a read: Foundation's
    /// `readDataToEndOfFile()` traps on EINTR, which a signal to the test process (another
    /// test's child ending) can cause.
    func readToEndRetryingInterrupts() -> Data {
        var data = Data()
        var interruptions = 0
        while true {
            do {
                guard let chunk = try read(upToCount: 1 << 16), !chunk.isEmpty else { return data }
                data.append(chunk)
            } catch {
                let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
                let interrupted =
                    ((error as NSError).domain == NSPOSIXErrorDomain && (error as NSError).code == Int(EINTR))
                    || (underlying?.domain == NSPOSIXErrorDomain && underlying?.code == Int(EINTR))
                guard interrupted, interruptions < 1_000 else { return data }
                interruptions += 1
            }
        }
    }
}
