import ConcertServer
import Foundation
import Glibc
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A running `concert demo` process in its own folder, on a port of its own.
final class DemoProcess: @unchecked Sendable {
    // Only the creating test touches these; the class exists so `deinit` can stop the process.
    let process = Process()
    let folder: URL
    let port: Int
    let output = Pipe()

    /// Starts `concert demo` with `arguments` added (such as `--database URL`).
    init(arguments: [String] = []) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("concert-demo-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        port = try Self.freePort()
        process.executableURL = ConcertExecutable.url
        process.arguments = ["demo", "--listen", "127.0.0.1:\(port)"] + arguments
        process.currentDirectoryURL = folder
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    /// A loopback port that nothing listens on: the kernel picks it for a socket bound to port 0.
    static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(socket, generic, length) == 0 && getsockname(socket, generic, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    deinit {
        if process.isRunning { process.terminate() }
        try? FileManager.default.removeItem(at: folder)
    }

    var base: String { "http://127.0.0.1:\(port)" }

    func request(
        _ path: String, method: String = "GET", token: String? = nil, json: Any? = nil
    ) async throws -> (
        Int, Any?
    ) {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let json {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as! HTTPURLResponse).statusCode, try? JSONSerialization.jsonObject(with: data))
    }

    /// Waits until the health route answers, for at most `seconds`.
    func waitUntilHealthy(seconds: Double) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let (status, _) = try? await request("/api/v1/health"), status == 200 { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }
}

@Suite("The demo")
struct DemoTests {
    @Test("starts from an empty folder, prints its logins, and every login works")
    func demoFromEmptyFolder() async throws {
        let demo = try DemoProcess()
        #expect(try await demo.waitUntilHealthy(seconds: 60), "concert demo did not answer /api/v1/health")
        #expect(FileManager.default.fileExists(atPath: demo.folder.appendingPathComponent("concert-demo.sqlite").path))

        var tokens: [String: String] = [:]
        for login in DemoSeeder.logins {
            let (status, body) = try await demo.request(
                "/api/v1/sessions", method: "POST", json: ["username": login.username, "password": DemoSeeder.password])
            #expect(status == 201, "\(login.username) could not sign in")
            tokens[login.username] = (body as? [String: Any])?["token"] as? String
        }
        let (_, listed) = try await demo.request("/api/v1/operations", token: tokens["coordinator"])
        let operations = try #require((listed as? [String: Any])?["items"] as? [[String: Any]])
        #expect(operations.count == 1)
        let operation = try #require(operations.first)
        let participants = try #require(operation["participants"] as? [[String: Any]])
        #expect(participants.filter { $0["role"] as? String == "participant" }.count == 19)
        let id = try #require(operation["id"] as? String)

        let (_, targetList) = try await demo.request("/api/v1/operations/\(id)/targets", token: tokens["coordinator"])
        let targets = try #require((targetList as? [String: Any])?["items"] as? [[String: Any]])
        #expect(targets.filter { $0["kind"] as? String == "server" }.count == 60)
        #expect(targets.filter { $0["kind"] as? String == "person" }.count >= 10)
        let (_, actionList) = try await demo.request("/api/v1/operations/\(id)/actions", token: tokens["fr-officer"])
        let actions = try #require((actionList as? [String: Any])?["items"] as? [[String: Any]])
        #expect(actions.count >= 80)
        let (_, instrumentList) = try await demo.request(
            "/api/v1/operations/\(id)/instruments", token: tokens["fr-officer"])
        let kinds = Set(
            ((instrumentList as? [String: Any])?["items"] as? [[String: Any]] ?? []).compactMap {
                $0["kind"] as? String
            })
        #expect(
            kinds == [
                "europeanArrestWarrant", "europeanInvestigationOrder", "mutualLegalAssistance", "domesticWarrant",
            ])

        let (outsiderStatus, outsiderList) = try await demo.request("/api/v1/operations", token: tokens["no-officer"])
        #expect(outsiderStatus == 200)
        #expect(((outsiderList as? [String: Any])?["items"] as? [Any])?.isEmpty == true)
        let (hidden, _) = try await demo.request("/api/v1/operations/\(id)", token: tokens["no-officer"])
        #expect(hidden == 404)
        let (observerTargets, _) = try await demo.request("/api/v1/operations/\(id)/targets", token: tokens["observer"])
        #expect(observerTargets == 403)

        // France's own case shares a server with the US: both see the hit and whom to call.
        for (login, otherCountry) in [("us-officer", "FR"), ("fr-officer", "US")] {
            let (status, hits) = try await demo.request("/api/v1/hits", token: tokens[login])
            #expect(status == 200)
            let countries = ((hits as? [String: Any])?["items"] as? [[String: Any]] ?? []).compactMap {
                (($0["other"] as? [String: Any])?["agency"] as? [String: Any])?["country"] as? String
            }
            #expect(countries.contains(otherCountry), "\(login) sees hits with \(countries)")
        }

        demo.process.terminate()
        demo.process.waitUntilExit()
        let printed = String(decoding: demo.output.fileHandleForReading.readToEndRetryingInterrupts(), as: UTF8.self)
        #expect(printed.contains(demo.base))
        #expect(printed.contains(DemoSeeder.password))
        for login in DemoSeeder.logins { #expect(printed.contains(login.username)) }
    }
}
