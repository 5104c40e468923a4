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
        commandName: "user", abstract: "Manage user accounts.", subcommands: [Add.self])

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
            let agencies = try await store.agencies()
            guard let found = agencies.first(where: { $0.id == agency || $0.name == agency }) else {
                throw ValidationError("No agency has the id or name '\(agency)'. Add one with `concert agency add`.")
            }
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

/// `concert agency …`: agencies.
struct AgencyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agency", abstract: "Manage agencies.", subcommands: [Add.self, List.self])

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
        commandName: "audit", abstract: "Check the audit log.", subcommands: [Verify.self])

    /// `concert audit verify`.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the hash chain of the event log; exits non-zero and names the first broken link.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let result = try await database.openStore(default: "concert.sqlite").verifyAuditChain()
            if result.isIntact {
                print("Audit chain intact: \(result.eventsChecked) events checked.")
            } else {
                var standardError = FileHandle.standardError
                print(
                    "Audit chain BROKEN at event #\(result.brokenAt!): \(result.problem ?? "unknown problem").",
                    to: &standardError)
                throw ExitCode(1)
            }
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
