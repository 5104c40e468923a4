import ArgumentParser
import ConcertServer
import ConcertStorage
import Foundation

/// Where the database is: a flag, else `CONCERT_DATABASE_URL`, else a default file.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Database: a SQLite file path or sqlite:PATH. Falls back to CONCERT_DATABASE_URL.",
            valueName: "location"))
    var database: String?

    func location(default defaultLocation: String) -> String {
        database ?? ProcessInfo.processInfo.environment["CONCERT_DATABASE_URL"] ?? defaultLocation
    }

    func openStore(default defaultLocation: String) throws -> any Store {
        do {
            return try StoreFactory.open(location(default: defaultLocation))
        } catch {
            throw ValidationError("\(error)")
        }
    }
}

/// Where the server listens: a flag, else `CONCERT_LISTEN`, else 127.0.0.1:8080.
struct ListenOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp("Address to listen on, HOST:PORT. Falls back to CONCERT_LISTEN.", valueName: "host:port"))
    var listen: String?

    @Flag(
        name: .long,
        help:
            "Send the session cookie without the Secure attribute (only behind a TLS-terminating proxy that rewrites it, or for tests over plain HTTP from another host)."
    )
    var insecureCookies = false

    func configuration() throws -> ServerConfiguration {
        let text = listen ?? ProcessInfo.processInfo.environment["CONCERT_LISTEN"] ?? "127.0.0.1:8080"
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65_535).contains(port)
        else {
            throw ValidationError("'\(text)' is not HOST:PORT, such as 127.0.0.1:8080.")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return ServerConfiguration(host: host.isEmpty ? "127.0.0.1" : host, port: port, secureCookies: !insecureCookies)
    }
}
