import AsyncHTTPClient
import ConcertCore
import Foundation
import Hummingbird
import HummingbirdWSClient
import Logging
import NIOCore
import NIOSSL
import Testing

@testable import ConcertServer

/// `concert serve --tls-certificate/--tls-key` (and `--tls-self-signed`): HTTPS with HTTP/2 and
/// HTTP/1.1 by ALPN, TLS 1.2 at least, the live feed's WebSocket over TLS, HSTS on every answer.
@Suite("TLS")
struct TLSTests {
    /// A folder with a fresh self-signed certificate and key.
    struct Files {
        let folder: String
        var certificate: String { folder + "/tls.pem" }
        var key: String { folder + "/tls-key.pem" }

        init() throws {
            folder = NSTemporaryDirectory() + "concert-tls-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try TLSFiles.selfSigned(certificate: folder + "/tls.pem", key: folder + "/tls-key.pem")
        }

        func remove() { try? FileManager.default.removeItem(atPath: folder) }

        /// A client configuration that trusts this certificate alone.
        func client(maximumVersion: TLSVersion? = nil) throws -> TLSConfiguration {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certificate))
            if let maximumVersion { configuration.maximumTLSVersion = maximumVersion }
            return configuration
        }
    }

    @Test("a self-signed certificate is made once, its key readable by its owner only; bad files are refused in words")
    func selfSignedFiles() throws {
        let files = try Files()
        defer { files.remove() }
        let attributes = try FileManager.default.attributesOfItem(atPath: files.key)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let first = try TLSFiles.fingerprint(ofCertificateAt: files.certificate)
        let again = try TLSFiles.selfSigned(certificate: files.certificate, key: files.key)
        #expect(again == first, "a second start made a new certificate: browsers would warn again")
        _ = try TLSFiles.configuration(certificate: files.certificate, key: files.key)

        let other = try Files()
        defer { other.remove() }
        #expect {
            try TLSFiles.configuration(certificate: files.certificate, key: other.key)
        } throws: { ($0 as? TLSFiles.Problem)?.description.contains("does not fit") == true }
        let garbage = files.folder + "/garbage.pem"
        try Data("not a certificate".utf8).write(to: URL(fileURLWithPath: garbage))
        #expect {
            try TLSFiles.configuration(certificate: garbage, key: files.key)
        } throws: { ($0 as? TLSFiles.Problem)?.description.contains("PEM") == true }
    }

    @Test(
        "HTTPS answers over HTTP/2 and HTTP/1.1 with HSTS, refuses TLS 1.1 and plain HTTP, and carries the live WebSocket"
    )
    func servesOverTLS() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let files = try Files()
        defer { files.remove() }
        var configuration = ServerConfiguration()
        configuration.tls = try TLSFiles.configuration(certificate: files.certificate, key: files.key)
        let feed = LiveFeed(store: world.store)
        let application = Application(
            router: buildRouter(store: world.store, configuration: configuration, liveFeed: feed),
            server: .concert(store: world.store, liveFeed: feed, configuration: configuration),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await application.test(.live) { client in
            let port = try #require(client.port)
            let base = "https://127.0.0.1:\(port)"
            // HTTP/2 when the client offers it.
            var http2 = HTTPClient.Configuration(tlsConfiguration: try files.client())
            http2.httpVersion = .automatic
            let modern = HTTPClient(eventLoopGroupProvider: .singleton, configuration: http2)
            var http1 = HTTPClient.Configuration(tlsConfiguration: try files.client())
            http1.httpVersion = .http1Only
            let older = HTTPClient(eventLoopGroupProvider: .singleton, configuration: http1)
            let ancient = HTTPClient(
                eventLoopGroupProvider: .singleton,
                configuration: .init(tlsConfiguration: try files.client(maximumVersion: .tlsv11)))
            let plain = HTTPClient(eventLoopGroupProvider: .singleton)
            do {
                var request = HTTPClientRequest(url: base + "/api/v1/operations")
                request.headers.add(name: "Authorization", value: "Bearer \(TestWorld.token(for: .leadCoordinator))")
                let overHTTP2 = try await modern.execute(request, timeout: .seconds(10))
                #expect(overHTTP2.status == .ok)
                #expect(overHTTP2.version == .http2)
                #expect(overHTTP2.headers.first(name: "Strict-Transport-Security") == "max-age=31536000")
                let body = String(buffer: try await overHTTP2.body.collect(upTo: 1 << 20))
                #expect(body.contains(world.operation.id))

                // The event stream over HTTP/2: its frames are a stream's, not a socket's bytes
                // (it crashed the server once).
                var stream = HTTPClientRequest(
                    url: base + "/api/v1/operations/\(world.operation.id)/live?since=0&follow=false")
                stream.headers.add(name: "Authorization", value: "Bearer \(TestWorld.token(for: .leadCoordinator))")
                let events = try await modern.execute(stream, timeout: .seconds(10))
                #expect(events.version == .http2)
                let eventText = String(buffer: try await events.body.collect(upTo: 1 << 20))
                #expect(eventText.contains("operation.created"), "\(eventText.prefix(300))")

                let overHTTP1 = try await older.execute(request, timeout: .seconds(10))
                #expect(overHTTP1.status == .ok)
                #expect(overHTTP1.version == .http1_1)
                #expect(overHTTP1.headers.first(name: "Strict-Transport-Security") == "max-age=31536000")

                await #expect(throws: (any Error).self) {
                    _ = try await ancient.execute(HTTPClientRequest(url: base + "/api/v1/health"), timeout: .seconds(3))
                }
                await #expect(throws: (any Error).self) {
                    _ = try await plain.execute(
                        HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/health"), timeout: .seconds(3))
                }

                // The live feed's WebSocket, over TLS (wss), replays the operation's events (by name:
                // a client sends no IP address as the server name).
                var socket = WebSocketClientConfiguration()
                socket.additionalHeaders[.authorization] = "Bearer \(TestWorld.token(for: .leadCoordinator))"
                let frames = try await WebSocketClient.connect(
                    url: "wss://localhost:\(port)/api/v1/operations/\(world.operation.id)/live?since=0",
                    configuration: socket, tlsConfiguration: try files.client(), logger: Logger(label: "test")
                ) { inbound, _, _ in
                    var texts: [String] = []
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        if case .text(let text) = message { texts.append(text) }
                        if texts.count >= 2 { break }
                    }
                    #expect(texts.count == 2)
                    #expect(texts.first?.contains("\"sequence\"") == true)
                }
                _ = frames
            } catch {
                try? await modern.shutdown()
                try? await older.shutdown()
                try? await ancient.shutdown()
                try? await plain.shutdown()
                throw error
            }
            try await modern.shutdown()
            try await older.shutdown()
            try await ancient.shutdown()
            try await plain.shutdown()
        }
    }
}
