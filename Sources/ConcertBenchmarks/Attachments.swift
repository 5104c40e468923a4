import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization

// Upload and download of a large attachment through `concert demo` in its own process, next
// to the limit measured in the same run: `sha256sum` of the file plus a plain copy of it
// (`cp`), which is the least work a server that hashes and stores a file must do. Target:
// at least half the limit's throughput, with the server's resident memory growing by less
// than 64 MiB while it runs.

/// A file read in pieces of 1 MiB as the request body asks for them, so that the client holds
/// one piece at a time.
struct FilePieces: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let path: String
    /// Sent before the file's bytes and after them (the multipart framing).
    let head: ByteBuffer
    let tail: ByteBuffer

    struct AsyncIterator: AsyncIteratorProtocol {
        let handle: FileHandle
        var head: ByteBuffer?
        var tail: ByteBuffer?

        mutating func next() async throws -> ByteBuffer? {
            if let first = head {
                head = nil
                return first
            }
            if let data = try handle.read(upToCount: 1 << 20), !data.isEmpty { return ByteBuffer(data: data) }
            defer { tail = nil }
            return tail
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(handle: FileHandle(forReadingAtPath: path)!, head: head, tail: tail)
    }
}

/// Samples a process's resident memory every 20 ms and keeps the highest.
final class MemoryWatch: Sendable {
    let pid: Int32
    let peak = Mutex(0)
    let running = Mutex(true)

    init(pid: Int32) { self.pid = pid }

    func run() async {
        while running.withLock({ $0 }) {
            if let now = try? residentKiB(of: pid) { peak.withLock { $0 = max($0, now) } }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    func stop() -> Int {
        running.withLock { $0 = false }
        return peak.withLock { $0 }
    }
}

/// Seconds a command takes to run.
func timeCommand(_ path: String, _ arguments: [String]) throws -> Double {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    let start = ContinuousClock.now
    try process.run()
    while process.isRunning { usleep(1_000) }
    guard process.terminationStatus == 0 else { throw BenchmarkError("\(path) \(arguments) failed") }
    return seconds(ContinuousClock.now - start)
}

func benchmarkAttachments(mebibytes: Int) async throws {
    show(
        "== Attachment of \(mebibytes) MiB: upload and download through the server, next to sha256sum + cp of the file"
            + " (target: at least 50% of that, resident memory growing by less than 64 MiB)")
    let folder = try scratchFolder("attachments")
    defer { try? FileManager.default.removeItem(at: folder) }
    let size = mebibytes << 20
    let source = folder.appendingPathComponent("evidence.bin").path
    // Content that does not compress: a xorshift stream, written 1 MiB at a time.
    _ = FileManager.default.createFile(atPath: source, contents: nil)
    let writer = FileHandle(forWritingAtPath: source)!
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    var piece = [UInt64](repeating: 0, count: (1 << 20) / 8)
    for _ in 0..<mebibytes {
        for index in piece.indices {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            piece[index] = state
        }
        writer.write(piece.withUnsafeBytes { Data($0) })
    }
    try writer.close()

    // The limit, with the file in the page cache as the upload will find it.
    _ = try timeCommand("/usr/bin/sha256sum", [source])
    let hashSeconds = try timeCommand("/usr/bin/sha256sum", [source])
    let copySeconds = try timeCommand("/bin/cp", [source, folder.appendingPathComponent("copy.bin").path])
    try? FileManager.default.removeItem(atPath: folder.appendingPathComponent("copy.bin").path)
    let limit = Double(mebibytes) / (hashSeconds + copySeconds)
    show(
        String(
            format: "   limit: sha256sum %.2f s + cp %.2f s = %.0f MiB/s", hashSeconds, copySeconds, limit))

    let (process, port) = try await launchConcert(
        ["demo", "--attachment-limit-mib", String(mebibytes + 1)], in: folder)
    defer { stopProcess(process) }
    let base = "http://127.0.0.1:\(port)/api/v1"
    var signIn = HTTPClientRequest(url: base + "/sessions")
    signIn.method = .POST
    signIn.headers.add(name: "Content-Type", value: "application/json")
    signIn.body = .bytes(ByteBuffer(string: #"{"username":"fr-officer","password":"concert-demo-2020"}"#))
    let session = try await HTTPClient.shared.execute(signIn, timeout: .seconds(30))
    let token =
        try JSONSerialization.jsonObject(
            with: Data(buffer: try await session.body.collect(upTo: 1 << 20))) as! [String: Any]
    let bearer = "Bearer \(token["token"] as! String)"
    var operations = HTTPClientRequest(url: base + "/operations")
    operations.headers.add(name: "Authorization", value: bearer)
    let list =
        try JSONSerialization.jsonObject(
            with: Data(
                buffer: try await HTTPClient.shared.execute(operations, timeout: .seconds(30)).body.collect(
                    upTo: 1 << 20)))
        as! [String: Any]
    let operationId =
        ((list["items"] as! [[String: Any]]).first { $0["codeName"] as? String == "SPARKLER" })!["id"]
        as! String

    try await Task.sleep(for: .seconds(1))
    let idle = try residentKiB(of: process.processIdentifier)

    // Upload: one multipart request, the file streamed from disk.
    let boundary = "----ConcertBenchmarkBoundary"
    let head = ByteBuffer(
        string: "--\(boundary)\r\nContent-Disposition: form-data; name=\"message\"\r\n"
            + "Content-Type: application/json\r\n\r\n"
            + #"{"subject":"Seized disk image","body":"Image of the seized disk.","handling":"H2","evaluation":"A1","distribution":"all"}"#
            + "\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"evidence.bin\"\r\n"
            + "Content-Type: application/octet-stream\r\n\r\n")
    let tail = ByteBuffer(string: "\r\n--\(boundary)--\r\n")
    var upload = HTTPClientRequest(url: base + "/operations/\(operationId)/messages")
    upload.method = .POST
    upload.headers.add(name: "Authorization", value: bearer)
    upload.headers.add(name: "Content-Type", value: "multipart/form-data; boundary=\(boundary)")
    upload.body = .stream(
        FilePieces(path: source, head: head, tail: tail),
        length: .known(Int64(head.readableBytes + size + tail.readableBytes)))
    let uploadWatch = MemoryWatch(pid: process.processIdentifier)
    let uploadWatching = Task { await uploadWatch.run() }
    let uploadStart = ContinuousClock.now
    let uploaded = try await HTTPClient.shared.execute(upload, timeout: .seconds(600))
    let reply = try await uploaded.body.collect(upTo: 1 << 20)
    let uploadSeconds = seconds(ContinuousClock.now - uploadStart)
    let uploadPeak = uploadWatch.stop()
    await uploadWatching.value
    guard uploaded.status == .created,
        let message = try JSONSerialization.jsonObject(with: Data(buffer: reply)) as? [String: Any],
        let attachment = (message["attachments"] as? [[String: Any]])?.first
    else { throw BenchmarkError("the upload failed: \(uploaded.status) \(String(buffer: reply))") }

    // Download: the file streamed back, checked whole on the server first.
    var download = HTTPClientRequest(
        url: base
            + "/operations/\(operationId)/messages/\(message["id"] as! String)/attachments/\(attachment["id"] as! String)"
    )
    download.headers.add(name: "Authorization", value: bearer)
    let downloadWatch = MemoryWatch(pid: process.processIdentifier)
    let downloadWatching = Task { await downloadWatch.run() }
    let downloadStart = ContinuousClock.now
    let response = try await HTTPClient.shared.execute(download, timeout: .seconds(600))
    var received = 0
    for try await part in response.body { received += part.readableBytes }
    let downloadSeconds = seconds(ContinuousClock.now - downloadStart)
    let downloadPeak = downloadWatch.stop()
    await downloadWatching.value
    guard response.status == .ok, received == size else {
        throw BenchmarkError("the download failed: \(response.status), \(received) of \(size) bytes")
    }

    let uploadRate = Double(mebibytes) / uploadSeconds
    let downloadRate = Double(mebibytes) / downloadSeconds
    show(
        String(
            format:
                "   upload:   %.2f s, %.0f MiB/s = %.0f%% of the limit; resident memory +%.1f MiB at most (idle %.1f MiB)",
            uploadSeconds, uploadRate, 100 * uploadRate / limit, Double(max(0, uploadPeak - idle)) / 1024,
            Double(idle) / 1024))
    show(
        String(
            format: "   download: %.2f s, %.0f MiB/s = %.0f%% of the limit; resident memory +%.1f MiB at most",
            downloadSeconds, downloadRate, 100 * downloadRate / limit, Double(max(0, downloadPeak - idle)) / 1024))
    show("   sha256 \(attachment["sha256"] as! String) (the server's, checked again before the download)")
}
