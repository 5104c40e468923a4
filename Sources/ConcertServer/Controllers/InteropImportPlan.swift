import ConcertCore
import ConcertInterop
import ConcertStorage
import Foundation
import Hummingbird

/// What an import of a STIX bundle, MISP event or CSV table does, or would do (`?dryRun=true`):
/// the body of both answers.
public struct InteropImportPlan: Encodable, Sendable {
    /// One target of the file.
    public struct Row: Encodable, Sendable {
        /// Where it is in the file.
        public var place: ImportPlace
        public var name: String
        public var kind: TargetKind
        /// `create`, `update`, or `unchanged` (imported before, and the file's version is not newer).
        public var action: String
        public var selectors: Int
        public var handling: HandlingCode
        /// Whether the handling is the file's marking, or the importer's because it has none.
        public var handlingFromFile: Bool
    }

    public var format: InteropFormat
    public var dryRun: Bool
    public var created: Int
    public var updated: Int
    /// Targets imported before and not newer, and objects or rows not taken.
    public var skipped: Int
    /// Hits the import found; only when it was written.
    public var hits: Int?
    public var targets: [Row]
    /// Selectors refused by rule (too wide, a public suffix, a wildcard), left out of their target.
    public var leftOut: [ImportNote]
    /// Objects, attributes or rows not taken, each with why.
    public var skippedItems: [ImportNote]
    /// Object types (STIX) or attribute types (MISP) Concert does not read, with their counts.
    public var unknownTypes: [String: Int]
    /// References to objects neither in the file nor imported before.
    public var unresolved: [ImportNote]
    /// Why the file is refused; an import with any writes nothing.
    public var errors: [ImportNote]
    /// How many errors, skipped items and unresolved references there were past the first
    /// 1,000 of each listed here.
    public var errorsNotListed = 0
    public var skippedNotListed = 0
    public var unresolvedNotListed = 0

    /// The targets to write: new ones, and changed ones with the version they replace.
    var creating: [Target] = []
    var updating: [(current: Target, updated: Target)] = []

    enum CodingKeys: String, CodingKey {
        case format, dryRun, created, updated, skipped, hits, targets, leftOut, skippedItems, unknownTypes, unresolved,
            errors, errorsNotListed, skippedNotListed, unresolvedNotListed
    }
}

/// Turns what ``InteropImport`` read from a file into targets of an operation as its importer
/// records them: the same validation as a target recorded by hand, selectors refused by rule
/// left out and listed, and objects imported before updated when the file's version is newer.
struct InteropImportPlanner {
    let store: any Store
    let limits: SelectorLimits

    func plan(
        _ read: InteropImport, in operation: JointOperation, by actor: Actor, dryRun: Bool
    ) async throws -> InteropImportPlan {
        var errors = read.errors
        var errorsNotListed = read.errorsNotListed
        var leftOut: [ImportNote] = []
        var skipped = read.skipped
        var skippedNotListed = read.skippedNotListed
        // What this planning adds, kept to the first 1,000 of each as the reader keeps its own.
        func error(_ note: ImportNote) {
            if errors.count < InteropImport.listed { errors.append(note) } else { errorsNotListed += 1 }
        }
        func skip(_ note: ImportNote) {
            if skipped.count < InteropImport.listed { skipped.append(note) } else { skippedNotListed += 1 }
        }
        var updatedIds: Set<String> = []
        let country = try await store.agency(id: actor.agencyId)?.country
        let now = ConcertJSON.now()
        // Only a file whose objects have ids (STIX, MISP) can name a target imported before.
        let existing =
            read.targets.contains { $0.source != nil } || read.unresolved.contains { $0.reference != nil }
            ? try await importedBefore(in: operation, by: actor) : [:]
        // A reference to an object the agency imported before is no reference to nothing.
        let unresolved = read.unresolved.filter { note in
            note.reference.map { existing["\(read.format.rawValue) \($0)"] == nil } ?? true
        }
        var plan = InteropImportPlan(
            format: read.format, dryRun: dryRun, created: 0, updated: 0, skipped: 0, targets: [], leftOut: [],
            skippedItems: [], unknownTypes: read.unknownTypes, unresolved: unresolved, errors: [])
        for imported in read.targets {
            var input = imported.input
            // Each selector normalised once: the target is made without them, then given them.
            var kept: [Selector] = []
            var refused = false
            for (selector, place) in zip(imported.input.selectors, imported.selectorPlaces) {
                switch selector.verdict(defaultCountry: country, limits: limits) {
                case .accepted(let normalised): kept.append(normalised)
                case .refusedByRule(let refusal):
                    if leftOut.count < InteropImport.listed {
                        leftOut.append(ImportNote(place: place, detail: refusal.message))
                    }
                case .invalid(let invalid):
                    error(ImportNote(place: place, detail: invalid.message))
                    refused = true
                }
            }
            guard !refused else { continue }
            if kept.isEmpty && !input.selectors.isEmpty {
                skip(
                    ImportNote(
                        place: imported.place,
                        detail: "Every identifier of '\(input.name)' was left out by rule, so it is not recorded."))
                continue
            }
            guard kept.count <= 1_000 else {
                error(ImportNote(place: imported.place, detail: "A target may have at most 1,000 selectors."))
                continue
            }
            input.selectors = []
            // What its originator named who may see travels as such: the importer keeps it to
            // its own agency rather than sharing it with every participant.
            if imported.restrictedDistribution { input.distribution = .agencies([actor.agencyId]) }
            let previous = imported.source.flatMap { existing["\($0.format) \($0.id)"] }
            if let previous, !updatedIds.insert(previous.id).inserted {
                error(
                    ImportNote(
                        place: imported.place,
                        detail:
                            "The file holds the object \(imported.source?.id ?? "") more than once; keep one version of it."
                    ))
                continue
            }
            var target: Target
            do {
                target = try input.makeTarget(
                    id: previous?.id ?? Identifier.make(), operation: operation,
                    originatorAgencyId: actor.agencyId, createdBy: previous?.createdBy ?? actor.userId,
                    defaultCountry: country, createdAt: previous?.createdAt ?? now, now: now, limits: limits)
            } catch let invalid {
                error(
                    ImportNote(
                        place: imported.place, detail: invalid.message + (invalid.field.map { " (\($0))" } ?? "")))
                continue
            }
            target.selectors = kept
            target.source = imported.source
            if let previous {
                // A partner's newer version never loosens what the target's owner set since:
                // a narrower distribution and a stricter handling stay.
                if case .agencies = previous.distribution { target.distribution = previous.distribution }
                if previous.handling > target.handling {
                    target.handling = previous.handling
                    target.handlingRestriction = previous.handlingRestriction
                }
            }
            let action: String
            if let previous {
                // To the millisecond, cut down as the stored time keeps it (a microsecond of slack
                // for the binary fraction the stored time decodes to).
                let milliseconds = { (date: Date) in (date.timeIntervalSince1970 * 1_000 + 0.001).rounded(.down) }
                let newer =
                    milliseconds(imported.source?.modified ?? .distantFuture)
                    > milliseconds(previous.source?.modified ?? .distantPast)
                action = newer ? "update" : "unchanged"
                if newer { plan.updating.append((previous, target)) }
            } else {
                action = "create"
                plan.creating.append(target)
            }
            plan.targets.append(
                InteropImportPlan.Row(
                    place: imported.place, name: target.name, kind: target.kind, action: action,
                    selectors: target.selectors.count, handling: target.handling,
                    handlingFromFile: imported.handlingFromFile))
        }
        plan.created = plan.creating.count
        plan.updated = plan.updating.count
        plan.skipped = skipped.count + skippedNotListed + plan.targets.filter { $0.action == "unchanged" }.count
        plan.leftOut = leftOut
        plan.skippedItems = skipped
        plan.skippedNotListed = skippedNotListed
        plan.unresolvedNotListed = read.unresolvedNotListed
        let writes = plan.creating.count + plan.updating.count
        if writes > TargetController.maximumImport {
            error(
                ImportNote(
                    place: .json("$"),
                    detail:
                        "The file holds \(writes) targets; an import holds at most \(TargetController.maximumImport): split it into files of that many at most."
                ))
        }
        plan.errors = errors
        plan.errorsNotListed = errorsNotListed
        return plan
    }

    /// The targets the caller's agency imported before into `operation`, by their source
    /// (`format id`): only its own, which it may change.
    private func importedBefore(in operation: JointOperation, by actor: Actor) async throws -> [String: Target] {
        var found: [String: Target] = [:]
        let decoder = ConcertJSON.makeDecoder()
        for encoded in try await store.encodedTargets(operationId: operation.id)
        where encoded.json.contains("\"source\"") {
            guard let target = try? decoder.decode(Target.self, from: Data(encoded.json.utf8)),
                target.originatorAgencyId == actor.agencyId, let source = target.source
            else { continue }
            found["\(source.format) \(source.id)"] = target
        }
        return found
    }
}
