import ArgumentParser
import ConcertCore
import ConcertServer
import ConcertStorage
import Foundation

extension UserRole: ExpressibleByArgument {}
extension AgencyKind: ExpressibleByArgument {}

/// `concert user …`: user accounts.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage user accounts.", subcommands: [Add.self, ResetSecondFactor.self])

    /// `concert user add`.
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a user. The password is asked for, or read from standard input with --password-stdin.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "Sign-in name: lower-case letters, digits, '-', '_', '.'.") var username: String
        @Option(help: "Name shown to others.") var displayName: String
        @Option(help: "The agency: its id or its exact name.") var agency: String
        @Option(help: "admin (platform), agencyAdmin, coordinator, officer, prosecutor or observer.") var role: UserRole
        @Flag(help: "Read the password from the first line of standard input.") var passwordStdin = false

        func run() async throws {
            let store = try await database.openStore(default: "concert.sqlite")
            let found = try await AgencyCommand.agency(agency, in: store)
            let password: String
            if passwordStdin {
                password = readLine(strippingNewline: true) ?? ""
            } else {
                guard let typed = getpass("Password for \(username): ") else { throw ExitCode.failure }
                password = String(cString: typed)
            }
            do {
                let user = User(
                    id: Identifier.make(), username: try User.validatedUsername(username),
                    displayName: try Validation.requiredText(displayName, field: "display-name", maxLength: 200),
                    agencyId: found.id, role: role)
                try User.validatePassword(password, username: user.username, displayName: user.displayName)
                try await store.createUser(user, passwordHash: await Authenticator.hashPassword(password), by: nil)
                print("Added \(user.username) (\(role.rawValue)) to \(found.name); id \(user.id).")
            } catch let error as DomainError {
                throw ValidationError(error.message)
            } catch StoreError.duplicate(let message) {
                throw ValidationError(message)
            }
        }
    }
}

extension UserCommand {
    /// `concert user reset-2fa`: for a user who lost their device and their recovery codes.
    struct ResetSecondFactor: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-2fa",
            abstract:
                "Remove a user's second factor and recovery codes and end their sessions: they sign in with their password and set up a new one (at once, where it is required)."
        )

        @OptionGroup var database: DatabaseOptions
        @Option(help: "The user's sign-in name.") var username: String

        func run() async throws {
            let store = try await database.openStore(default: "concert.sqlite")
            guard let found = try await store.credentials(username: username.lowercased())?.user else {
                throw ValidationError("No user has the username '\(username)'.")
            }
            let stored = try await store.secondFactor(userId: found.id)
            guard found.secondFactorSince != nil || stored != nil else {
                throw ValidationError("\(found.username) has no second factor to reset.")
            }
            _ = try await store.removeSecondFactor(userId: found.id, endingSessions: true, by: nil)
            print("Reset the second factor of \(found.username); their sessions are ended.")
        }
    }
}

/// `concert agency …`: agencies.
struct AgencyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agency", abstract: "Manage agencies.",
        subcommands: [Add.self, List.self, RequireSecondFactor.self])

    /// The agency whose id or exact name is `text`, or a sentence saying there is none.
    static func agency(_ text: String, in store: any Store) async throws -> Agency {
        guard let found = try await store.agencies().first(where: { $0.id == text || $0.name == text }) else {
            throw ValidationError("No agency has the id or name '\(text)'. Add one with `concert agency add`.")
        }
        return found
    }

    /// `concert agency require-2fa`.
    struct RequireSecondFactor: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "require-2fa",
            abstract:
                "Make an agency's users sign in with a second factor (those without one must set it up before anything else), or with --off no longer."
        )
        @OptionGroup var database: DatabaseOptions
        @Option(help: "The agency: its id or its exact name.") var agency: String
        @Flag(help: "No longer require it.") var off = false

        func run() async throws {
            let store = try await database.openStore(default: "concert.sqlite")
            let found = try await AgencyCommand.agency(agency, in: store)
            try await store.requireSecondFactor(agencyId: found.id, !off)
            print(
                off
                    ? "\(found.name) no longer requires a second factor."
                    : "\(found.name) requires a second factor of its users.")
        }
    }

    /// `concert agency add`.
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add an agency.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "The agency's name.") var name: String
        @Option(help: "ISO 3166-1 alpha-2 country code, such as FR.") var country: String
        @Option(help: "police, prosecution, euAgency, cert or privatePartner.") var kind: AgencyKind

        func run() async throws {
            let store = try await database.openStore(default: "concert.sqlite")
            do {
                let agency = try Agency(id: Identifier.make(), name: name, country: country, kind: kind).validated()
                try await store.createAgency(agency, by: nil)
                print("Added \(agency.name) (\(agency.country)); id \(agency.id).")
            } catch let error as DomainError {
                throw ValidationError(error.message)
            }
        }
    }

    /// `concert agency list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the agencies.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            for agency in try await database.openStore(default: "concert.sqlite").agencies() {
                print("\(agency.id)  \(agency.country)  \(agency.kind.rawValue)  \(agency.name)")
            }
        }
    }
}

/// `concert audit …`: the tamper-evident event log.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Check the audit log.", subcommands: [Verify.self, Witness.self])

    /// `concert audit verify`.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Check the event log: its hash chain, its Merkle tree, and that it still holds what every signed checkpoint covered; exits non-zero and names the first event that does not fit.",
            discussion: """
                The checkpoints the installation signed and kept are checked with its log key (see \
                --log-key-file). --checkpoint adds those of a file: a witness's state, the answer of \
                GET /api/v1/log/checkpoint, or a signed note.
                """)
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var logKey: LogKeyOptions
        @Option(
            help: ArgumentHelp(
                "A checkpoint taken before, or a witness's state file: the log must still hold what it signed.",
                valueName: "file"))
        var checkpoint: String?
        @Option(help: ArgumentHelp("The log's verifier key, when the key file is not at hand.", valueName: "key"))
        var verifierKey: String?

        func run() async throws {
            let location = database.location(default: "concert.sqlite")
            let file = try checkpoint.map(CheckpointFile.init(path:))
            let keyText =
                try verifierKey ?? file?.verifierKey
                ?? logKey.signer(databaseLocation: location, create: false)?.verifierKey.text
            let key = try keyText.map { text in
                guard let key = LogVerifierKey(text: text) else {
                    throw ValidationError("'\(text)' is not a log verifier key.")
                }
                return key
            }
            if file != nil && key == nil {
                throw ValidationError(
                    "Name the log's verifier key with --verifier-key, or its key file with --log-key-file.")
            }
            let store = try await database.openStore(default: "concert.sqlite")
            var standardError = FileHandle.standardError
            func broken(_ result: ChainVerification) throws -> Never {
                print(
                    "Audit chain BROKEN at event #\(result.brokenAt!): \(result.problem ?? "unknown problem").",
                    to: &standardError)
                throw ExitCode(1)
            }
            let result = try await store.verifyAuditChain()
            guard result.isIntact else { try broken(result) }
            guard let key else {
                print(
                    "Audit chain intact: \(result.eventsChecked) events checked. No log key at hand: signed checkpoints not checked."
                )
                return
            }
            // Every checkpoint kept, and those of the file, opened with the key: one that does not
            // open was altered (or signed by another key), which is a break too.
            var checkpoints: [LogCheckpoint] = []
            var after: Int64 = -1
            while true {
                let page = try await store.storedCheckpoints(after: after, limit: 1000)
                guard let last = page.last else { break }
                for stored in page {
                    do {
                        checkpoints.append(try key.open(stored.note))
                    } catch {
                        try broken(
                            ChainVerification(
                                eventsChecked: result.eventsChecked, brokenAt: max(stored.size, 1),
                                problem:
                                    "the kept checkpoint of \(stored.size) events does not open with the log's key: \(error)"
                            ))
                    }
                }
                after = last.size
            }
            let kept = checkpoints.count
            for note in file?.notes ?? [] {
                do {
                    checkpoints.append(try key.open(note))
                } catch {
                    throw ValidationError("A checkpoint of '\(checkpoint!)' does not open with the log's key: \(error)")
                }
            }
            let against = try await store.verifyLog(against: checkpoints)
            guard against.isIntact else { try broken(against) }
            let largest = checkpoints.map(\.size).max() ?? 0
            guard !checkpoints.isEmpty else {
                print(
                    "Audit chain intact: \(result.eventsChecked) events checked. No signed checkpoint to check them against."
                )
                return
            }
            print(
                "Audit chain intact: \(result.eventsChecked) events checked. The \(largest) events of the largest of \(checkpoints.count) signed checkpoints (\(kept) kept, \(checkpoints.count - kept) from the file) are all still there."
            )
        }
    }
}

extension FileHandle: @retroactive TextOutputStream {
    public func write(_ string: String) {
        write(Data(string.utf8))
    }
}

/// `concert migrate-data --from … --to …`: copies a whole installation.
struct MigrateDataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate-data",
        abstract:
            "Copy a whole installation into an empty database (SQLite to PostgreSQL or back), the event log and its hash chain verbatim.",
        discussion:
            "Sessions are not copied: users sign in again. Attachment files stay where they are; point the new server at the same folder and key."
    )

    @Option(
        help: ArgumentHelp(
            "The installation to copy: a SQLite file, sqlite:PATH or postgres://….", valueName: "location"))
    var from: String

    @Option(help: ArgumentHelp("An empty database to copy it into.", valueName: "location"))
    var to: String

    func run() async throws {
        func open(_ location: String) async throws -> any CopyableStore {
            let store: any Store
            do {
                store = try await StoreFactory.open(location)
            } catch {
                throw ValidationError("\(error)")
            }
            guard let copyable = store as? any CopyableStore else {
                throw ValidationError("'\(location)' cannot be copied.")
            }
            return copyable
        }
        let source = try await open(from)
        let destination = try await open(to)
        let before = try await source.verifyAuditChain()
        guard before.isIntact else {
            throw ValidationError(
                "The source's audit chain is broken at event #\(before.brokenAt!) (\(before.problem ?? "")); repair it before copying."
            )
        }
        var tables: [CopiedTable] = []
        for (name, columns) in InstallationTables.all {
            let table = try await source.copiedTable(name, columns: columns)
            tables.append(table)
            print("  \(name): \(table.rows.count) rows")
        }
        do {
            try await destination.restore(tables)
        } catch let error as StoreError {
            throw ValidationError("\(error)")
        }
        let after = try await destination.verifyAuditChain()
        guard after.isIntact, after.eventsChecked == before.eventsChecked else {
            var standardError = FileHandle.standardError
            print(
                "The copy's audit chain does not verify: \(after.problem ?? "event count differs").", to: &standardError
            )
            throw ExitCode(1)
        }
        print("Copied. The copy's audit chain is intact: \(after.eventsChecked) events checked.")
    }
}
