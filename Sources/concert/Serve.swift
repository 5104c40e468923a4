import ArgumentParser
import ConcertServer
import ConcertStorage
import Foundation
import Hummingbird
import Logging

extension Concert {
    /// `concert serve`: runs the server on an installation's database.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the Concert server (SQLite file concert.sqlite in this folder by default).")

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var listen: ListenOptions
        @OptionGroup var attachments: AttachmentOptions
        @OptionGroup var safeguards: SafeguardOptions

        func run() async throws {
            let store = try await database.openStore(default: "concert.sqlite")
            var prepared = try listen.configuration()
            try safeguards.apply(to: &prepared)
            prepared.attachments = try attachments.settings(
                databaseLocation: database.location(default: "concert.sqlite"))
            let configuration = prepared
            let app = buildApplication(store: store, configuration: configuration) {
                FileHandle.standardOutput.write(
                    Data("Concert is listening on http://\(configuration.host):\(configuration.port)/\n".utf8))
            }
            try await app.runService()
        }
    }

    /// `concert demo`: serves a ready demo operation, creating it on first start.
    struct Demo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run Concert with the demo operation (19 countries, 60 servers), created on first start.")

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var listen: ListenOptions
        @OptionGroup var attachments: AttachmentOptions
        @OptionGroup var safeguards: SafeguardOptions
        @Flag(help: "Play the action day's field reports over a few minutes, so the board moves by itself.")
        var simulate = false

        func run() async throws {
            let location = database.location(default: "concert-demo.sqlite")
            let store = try await database.openStore(default: "concert-demo.sqlite")
            var prepared = try listen.configuration()
            try safeguards.apply(to: &prepared)
            prepared.attachments = try attachments.settings(databaseLocation: location)
            let configuration = prepared
            let logins = try await DemoSeeder.seedIfEmpty(store)
            let app = buildApplication(store: store, configuration: configuration) {
                var lines = [
                    "Concert demo (database \(location)) is listening on http://\(configuration.host):\(configuration.port)/",
                    "Every demo login has the password: \(DemoSeeder.password)",
                ]
                let width = logins.map(\.username.count).max() ?? 0
                for login in logins {
                    lines.append(
                        "  " + login.username.padding(toLength: width + 2, withPad: " ", startingAt: 0)
                            + login.description)
                }
                if simulate, let operation = try? await DemoSimulator(store: store).operation() {
                    lines.append(
                        "Simulating the action day: watch http://\(configuration.host):\(configuration.port)/operations/\(operation.id)/board"
                    )
                    Task {
                        let reports = try await DemoSimulator(store: store).run()
                        FileHandle.standardOutput.write(
                            Data(
                                (reports == 0
                                    ? "The demo's action day was already played; start from a new folder to play it again.\n"
                                    : "The simulated action day is over: \(reports) field reports.\n").utf8))
                    }
                }
                // Written unbuffered, so that a script reading a pipe sees the URL at once.
                FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
            }
            try await app.runService()
        }
    }
}
