import ArgumentParser
import ConcertCore
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
        @OptionGroup var logKey: LogKeyOptions
        @OptionGroup var safeguards: SafeguardOptions

        func run() async throws {
            try listen.bootstrapLogging()
            let store = try await database.openStore(default: "concert.sqlite")
            let signer = try logKey.signer(databaseLocation: database.location(default: "concert.sqlite"))
            try await LogKeyOptions.requireInstallationKey(signer, of: store)
            var prepared = try listen.configuration()
            try safeguards.apply(to: &prepared)
            prepared.attachments = try attachments.settings(
                databaseLocation: database.location(default: "concert.sqlite"))
            prepared.logSigner = signer
            let tls = try listen.tls(
                databaseLocation: database.location(default: "concert.sqlite"), host: prepared.host)
            prepared.tls = tls?.0
            let configuration = prepared
            let scheme = tls == nil ? "http" : "https"
            let app = buildApplication(store: store, configuration: configuration) {
                var lines = ["Concert is listening on \(scheme)://\(configuration.host):\(configuration.port)/"]
                if let note = tls?.note { lines.append(note) }
                FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
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
        @OptionGroup var logKey: LogKeyOptions
        @OptionGroup var safeguards: SafeguardOptions
        @Flag(
            help:
                "Play a whole action day around an H-hour a few minutes from now, so the board moves by itself (in a fresh concert-simulation.sqlite unless --database names an empty one)."
        )
        var simulate = false
        @Option(
            help: ArgumentHelp(
                "With --simulate: how many times faster than real time the plan plays (1 to 100000; 720 passes the 48 hours before H in 4 minutes).",
                valueName: "times"))
        var speed: Double = DemoSimulator.defaultSpeed

        /// The simulation's own database, made afresh at each start when no other is named.
        static let simulationDatabase = "concert-simulation.sqlite"

        func validate() throws {
            guard (1...100_000).contains(speed) else {
                throw ValidationError("--speed must lie between 1 and 100000 times real time.")
            }
        }

        func run() async throws {
            try listen.bootstrapLogging()
            let defaultLocation = simulate ? Self.simulationDatabase : "concert-demo.sqlite"
            let location = database.location(default: defaultLocation)
            if simulate && location == Self.simulationDatabase {
                // The simulation's day is planned around now: yesterday's run is played out.
                for suffix in ["", "-wal", "-shm"] {
                    try? FileManager.default.removeItem(atPath: Self.simulationDatabase + suffix)
                }
            }
            let store = try await database.openStore(default: defaultLocation)
            let signer = try logKey.signer(databaseLocation: location)
            try await LogKeyOptions.requireInstallationKey(signer, of: store)
            var prepared = try listen.configuration()
            try safeguards.apply(to: &prepared)
            prepared.attachments = try attachments.settings(databaseLocation: location)
            prepared.logSigner = signer
            let tls = try listen.tls(databaseLocation: location, host: prepared.host)
            prepared.tls = tls?.0
            let configuration = prepared
            let scheme = tls == nil ? "http" : "https"
            var seededHHour: Date?
            if simulate {
                do {
                    seededHHour = try await DemoSimulator.seed(store, speed: speed)
                } catch let error as DomainError {
                    throw ValidationError(
                        "\(error.message) Leave out --database to use a fresh \(Self.simulationDatabase).")
                }
            }
            let simulatedHHour = seededHHour
            let logins = try await DemoSeeder.seedIfEmpty(store)
            let app = buildApplication(store: store, configuration: configuration) {
                var lines = [
                    "Concert demo (database \(location)) is listening on \(scheme)://\(configuration.host):\(configuration.port)/",
                    "Every demo login has the password: \(DemoSeeder.password)",
                ]
                if let note = tls?.note { lines.insert(note, at: 1) }
                let width = logins.map(\.username.count).max() ?? 0
                for login in logins {
                    lines.append(
                        "  " + login.username.padding(toLength: width + 2, withPad: " ", startingAt: 0)
                            + login.description)
                }
                if let simulatedHHour, let operation = try? await DemoSimulator(store: store).operation() {
                    lines.append(
                        "Simulating the action day, H-hour \(Wording.utc(simulatedHHour)) UTC, \(Int(speed)) times faster than real time: watch \(scheme)://\(configuration.host):\(configuration.port)/operations/\(operation.id)/board"
                    )
                    Task {
                        do {
                            let steps = try await DemoSimulator(store: store).run()
                            FileHandle.standardOutput.write(
                                Data(
                                    "The simulated action day is over (\(steps) steps); its sitrep is approved.\n".utf8)
                            )
                        } catch {
                            FileHandle.standardError.write(Data("The simulation stopped: \(error)\n".utf8))
                        }
                    }
                }
                // Written unbuffered, so that a script reading a pipe sees the URL at once.
                FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
            }
            try await app.runService()
        }
    }
}
