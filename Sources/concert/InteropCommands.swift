import ArgumentParser
import ConcertCore
import ConcertInterop
import ConcertServer
import ConcertStorage
import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension InteropFormat: ExpressibleByArgument {}
extension HandlingCode: ExpressibleByArgument {}

/// `concert import stix|misp|csv FILE --operation ID --user NAME`: a partner's file into an
/// operation, through the same checks, transaction and cross-check as the API's import.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import targets from a STIX 2.1 bundle, MISP events or a CSV table into an operation.",
        discussion: """
            The targets are recorded as --user records them: their agency is the originator, the
            access policy decides whether they may, and every target is checked before any is
            written; the import records every target or none. Selectors too wide to identify
            anyone (a public suffix, a wide block) are left out and listed. An object imported
            before (same STIX id or MISP UUID) with a newer version updates its target.
            --dry-run prints what would be done and writes nothing.
            """)

    @OptionGroup var database: DatabaseOptions
    @Argument(help: "stix, misp or csv.") var format: InteropFormat
    @Argument(help: "The file.") var file: String
    @Option(help: "The operation's id.") var operation: String
    @Option(help: "The sign-in name of the user on whose behalf the targets are recorded.") var user: String
    @Flag(help: "Print what would be created, updated and skipped, and every error; write nothing.") var dryRun = false
    @Option(help: "The handling of targets whose file carries no marking: H0, H1, H2 or H3.")
    var handling: HandlingCode = .h2
    @Option(help: "The restriction in words, with --handling H3.") var handlingRestriction: String?
    @Option(help: "The evaluation of the targets, such as B2 (default X4: cannot be judged).")
    var evaluation = "X4"
    @Option(help: "A table's separator: comma, semicolon or tab (told from its header when left out).")
    var separator: String?
    @Option(
        name: .customLong("column"),
        help:
            "HEADER:ROLE (or NUMBER:ROLE) for a table's column; ROLE is name, kind, notes, country, hostingProvider, handling, handlingRestriction, evaluation, dateOfBirth, a selector kind, selector or ignore."
    )
    var columns: [String] = []
    @Flag(help: "Print the result as JSON, as the API answers it.") var json = false
    @Flag(
        help:
            "Import a file of more than 10,000 targets in parts of 10,000, each all or nothing on its own; a table is streamed and never held whole. Stops at the first part refused."
    )
    var inParts = false

    func run() async throws {
        guard let grade = Evaluation(code: evaluation) else {
            throw ValidationError("--evaluation is a letter A, B, C or X and a digit 1 to 4, such as B2.")
        }
        if handling == .h3, (handlingRestriction ?? "").isEmpty {
            throw ValidationError("With --handling H3, say the restriction in words with --handling-restriction.")
        }
        let defaults = ImportDefaults(handling: handling, handlingRestriction: handlingRestriction, evaluation: grade)
        let store = try await database.openStore(default: "concert.sqlite")
        guard let account = try await store.credentials(username: user.lowercased())?.user else {
            FileHandle.standardError.write(Data("No user has the username '\(user)'.\n".utf8))
            throw ExitCode.failure
        }
        if inParts {
            try await importInParts(store: store, actor: Actor(account), defaults: defaults)
            return
        }
        let read: InteropImport
        do {
            read = try readFile(defaults: defaults)
        } catch let error as InteropError {
            throw ValidationError("\(file) was refused: \(error.description)")
        }
        let progress = Progress(label: "Checking and recording \(read.targets.count) targets")
        progress.show(fraction: nil)
        do {
            let plan = try await InteropService(store: store).importFile(
                read, into: operation, by: Actor(account), dryRun: dryRun)
            progress.finish()
            if json {
                print(try ConcertJSON.encodeToString(plan))
            } else {
                Self.describe(plan)
            }
            if dryRun && !plan.errors.isEmpty { throw ExitCode.failure }
        } catch let problem as ProblemDetail {
            progress.finish()
            FileHandle.standardError.write(Data("\(problem.detail)\n".utf8))
            for error in problem.errors ?? [] {
                FileHandle.standardError.write(Data("  \(error.place): \(error.detail)\n".utf8))
            }
            throw ExitCode.failure
        } catch let denial as AccessDenial {
            progress.finish()
            FileHandle.standardError.write(Data("\(user) may not import into this operation: \(denial.message)\n".utf8))
            throw ExitCode.failure
        }
    }

    /// `--in-parts`: the file's targets 10,000 at a time, each part one import; a table read as
    /// it streams, so that a file of any size is imported without being held whole.
    private func importInParts(store: any Store, actor: Actor, defaults: ImportDefaults) async throws {
        let service = InteropService(store: store)
        var totals = (created: 0, updated: 0, skipped: 0, hits: 0, leftOut: 0, parts: 0)
        func report(_ notes: [ImportNote], _ title: String) {
            guard !notes.isEmpty else { return }
            FileHandle.standardError.write(Data("\(title):\n".utf8))
            for note in notes { FileHandle.standardError.write(Data("  \(note.place): \(note.detail)\n".utf8)) }
        }
        func refuse(_ detail: String, _ notes: [ImportNote]) throws -> Never {
            FileHandle.standardError.write(
                Data(
                    "\(totals.created) targets created and \(totals.updated) updated in \(totals.parts) parts before this: \(detail)\n"
                        .utf8))
            report(notes, "Errors")
            throw ExitCode.failure
        }
        func importPart(_ targets: [ImportedTarget]) async throws {
            for first in stride(from: 0, to: targets.count, by: 10_000) {
                var part = InteropImport(format: format)
                part.targets = Array(targets[first..<min(first + 10_000, targets.count)])
                do {
                    let plan = try await service.importFile(part, into: operation, by: actor, dryRun: dryRun)
                    if !plan.errors.isEmpty { try refuse("part \(totals.parts + 1) would be refused.", plan.errors) }
                    totals.created += plan.created
                    totals.updated += plan.updated
                    totals.skipped += plan.skipped
                    totals.hits += plan.hits ?? 0
                    totals.leftOut += plan.leftOut.count
                    totals.parts += 1
                    report(plan.leftOut, "Left out by rule")
                } catch let problem as ProblemDetail {
                    try refuse(problem.detail, problem.errors ?? [])
                } catch let denial as AccessDenial {
                    try refuse("\(user) may not import into this operation: \(denial.message)", [])
                }
            }
        }
        let notes: InteropImport
        if format == .csv {
            guard let handle = FileHandle(forReadingAtPath: file) else {
                throw ValidationError("\(file) cannot be read.")
            }
            defer { try? handle.close() }
            var table = CSVImport(options: try csvOptions(), defaults: defaults)
            let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
            let progress = Progress(label: "Importing \(URL(fileURLWithPath: file).lastPathComponent)")
            var done = 0
            do {
                while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                    try table.feed(chunk)
                    done += chunk.count
                    progress.show(fraction: size > 0 ? Double(done) / Double(size) : nil)
                    if table.errorCount > 0 {
                        progress.finish()
                        try refuse("the table has errors; nothing after them was imported.", try table.finish().errors)
                    }
                    if table.targetCount >= 10_000 { try await importPart(table.takeTargets()) }
                }
                let rest = try table.finish()
                progress.finish()
                if !rest.errors.isEmpty { try refuse("the table has errors.", rest.errors) }
                try await importPart(rest.targets)
                notes = rest
            } catch let error as InteropError {
                progress.finish()
                try refuse("\(file) was refused: \(error.description)", [])
            }
        } else {
            let read: InteropImport
            do {
                read = try readFile(defaults: defaults)
            } catch let error as InteropError {
                throw ValidationError("\(file) was refused: \(error.description)")
            }
            if !read.errors.isEmpty { try refuse("the file has errors.", read.errors) }
            try await importPart(read.targets)
            notes = read
        }
        print(
            "\(dryRun ? "Would create" : "Created") \(totals.created), \(dryRun ? "update" : "updated") \(totals.updated), skipped \(totals.skipped) in \(totals.parts) parts of at most 10,000; \(totals.leftOut) identifiers left out by rule"
                + (dryRun ? "." : "; \(totals.hits) new hits."))
        report(notes.skipped, "Skipped")
        report(notes.unresolved, "Unresolved")
    }

    /// The table's separator and column roles, from the flags.
    private func csvOptions() throws -> CSVOptions {
        do {
            return try CSVOptions(separatorName: separator, columns: columns)
        } catch {
            throw ValidationError(error.message)
        }
    }

    /// Reads the file in pieces of 1 MiB, as it streams: never whole, whatever its format.
    private func readFile(defaults: ImportDefaults) throws -> InteropImport {
        let url = URL(fileURLWithPath: file)
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw ValidationError("\(file) cannot be read.")
        }
        defer { try? handle.close() }
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        let progress = Progress(label: "Reading \(url.lastPathComponent)")
        var done = 0
        // In parts, a file may hold any number of targets; whole, no more than an import takes,
        // and a larger one is refused as soon as it is read to tell so.
        var reader = InteropImport.reader(
            for: format, defaults: defaults, csv: format == .csv ? try csvOptions() : CSVOptions(),
            limit: inParts ? nil : InteropService.importLimit)
        // The progress line ends before whatever follows it, a refusal included.
        defer { progress.finish() }
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            try reader.feed(chunk)
            done += chunk.count
            progress.show(fraction: size > 0 ? Double(done) / Double(size) : nil)
        }
        return try reader.finish()
    }

    static func describe(_ plan: InteropImportPlan) {
        let verb = plan.dryRun ? "Would create" : "Created"
        print(
            "\(verb) \(plan.created), \(plan.dryRun ? "update" : "updated") \(plan.updated), skipped \(plan.skipped) "
                + "(\(plan.format.rawValue))" + (plan.hits.map { "; \($0) new hits" } ?? "") + ".")
        for row in plan.targets where row.action != "unchanged" {
            print(
                "  \(row.action) \(row.name) (\(row.kind.rawValue), \(row.selectors) selectors, \(row.handling.rawValue)) at \(row.place)"
            )
        }
        for (title, notes) in [
            ("Left out by rule", plan.leftOut), ("Skipped", plan.skippedItems), ("Unresolved", plan.unresolved),
            ("Errors", plan.errors),
        ] where !notes.isEmpty {
            print("\(title):")
            for note in notes { print("  \(note.place): \(note.detail)") }
        }
        if !plan.unknownTypes.isEmpty {
            print(
                "Not read: "
                    + plan.unknownTypes.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(
                        separator: ", "))
        }
    }
}

/// `concert export stix|misp|ics --operation ID --user NAME`: what a user may see, in a
/// format partners' tools read.
struct ExportCommand: AsyncParsableCommand {
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case stix, misp, ics
    }

    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export an operation's targets as STIX 2.1 or MISP, or an agency's action-day schedule as iCalendar.",
        discussion: "Only what --user may see is exported, as the API's exports answer.")

    @OptionGroup var database: DatabaseOptions
    @Argument(help: "stix, misp or ics.") var format: Format
    @Option(help: "The operation's id.") var operation: String
    @Option(help: "The sign-in name of the user whose view is exported.") var user: String
    @Option(help: "For ics: another participating agency's id (lead coordinators only).") var agency: String?
    @Option(help: "The file to write; standard output when left out.") var output: String?

    func run() async throws {
        let store = try await database.openStore(default: "concert.sqlite")
        guard let account = try await store.credentials(username: user.lowercased())?.user else {
            FileHandle.standardError.write(Data("No user has the username '\(user)'.\n".utf8))
            throw ExitCode.failure
        }
        let service = InteropService(store: store)
        let actor = Actor(account)
        let data: Data
        do {
            switch format {
            case .stix: data = try await service.stixExport(of: operation, by: actor).1
            case .misp: data = try await service.mispExport(of: operation, by: actor).1
            case .ics: data = Data(try await service.schedule(of: operation, agency: agency, by: actor).1.utf8)
            }
        } catch let denial as AccessDenial {
            FileHandle.standardError.write(Data("\(user) may not export this: \(denial.message)\n".utf8))
            throw ExitCode.failure
        } catch let problem as ProblemDetail {
            FileHandle.standardError.write(Data("\(problem.detail)\n".utf8))
            throw ExitCode.failure
        }
        if let output {
            try data.write(to: URL(fileURLWithPath: output), options: .atomic)
            FileHandle.standardError.write(Data("Wrote \(data.count) bytes to \(output).\n".utf8))
        } else {
            FileHandle.standardOutput.write(data)
        }
    }
}

/// A progress bar on standard error, drawn only when it is a terminal.
final class Progress: @unchecked Sendable {
    private let label: String
    private let terminal = isatty(STDERR_FILENO) == 1
    private var lastDrawn = -1

    init(label: String) {
        self.label = label
    }

    func show(fraction: Double?) {
        guard terminal else { return }
        guard let fraction else {
            FileHandle.standardError.write(Data("\r\(label)…".utf8))
            return
        }
        let percent = Int((min(1, fraction) * 100).rounded(.down))
        guard percent != lastDrawn else { return }
        lastDrawn = percent
        let filled = percent * 30 / 100
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: 30 - filled)
        FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(percent)%".utf8))
    }

    func finish() {
        guard terminal else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
