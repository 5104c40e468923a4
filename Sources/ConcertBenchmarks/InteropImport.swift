import ConcertCore
import ConcertInterop
import ConcertServer
import ConcertStorage
import Foundation

// Import of partners' files (issue 18): a CSV table of 1,000,000 rows and a STIX bundle of
// 100,000 objects, through the whole import (reading, validation, the policy, the cross-check,
// the store), next to the same targets through the plain JSON import in the same run. Each
// path runs on a fresh SQLite database; its peak resident memory is measured alone (the
// kernel's high-water mark is reset before it, through /proc/self/clear_refs).
//
// The table streams: it is read in pieces of 1 MiB and imported 10,000 targets at a time (the
// API's bound on one import), as `concert import` reads it; the plain JSON import takes the
// same targets 10,000 at a time, read from a file of one `{"targets": […]}` a line. The bundle
// is one import of 9,090 targets of 11 objects each (an infrastructure, its indicators and
// observables, their relationships), streamed in pieces of 1 MiB, next to the same targets as
// one JSON import. Each path runs in a process of its own (`interop-path`), so that its peak
// memory is its own.

/// The kernel's high-water mark of this process's resident memory, in MiB.
func peakResidentMiB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
    else { return 0 }
    return Double(line.split(separator: " ").dropFirst().first.flatMap { Double($0) } ?? 0) / 1_024
}

/// Resets the high-water mark to the memory resident now.
func resetPeakResident() {
    try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
}

/// An installation with one operation, its agency and an officer.
func interopInstallation(_ name: String) async throws -> (SQLiteStore, Actor, String) {
    let folder = try scratchFolder("interop-\(name)")
    let store = try SQLiteStore(path: folder.appendingPathComponent("concert.sqlite").path)
    let agency = Agency(id: Identifier.make(), name: "Bench Police", country: "CY", kind: .police)
    try await store.createAgency(agency, by: nil)
    let user = User(
        id: Identifier.make(), username: "bench-\(name)", displayName: "Bench", agencyId: agency.id, role: .coordinator)
    try await store.createUser(user, passwordHash: "unused", by: nil)
    let operation = JointOperation(
        id: Identifier.make(), codeName: "BENCH", summary: nil, leadAgencyId: agency.id, hHour: nil,
        participants: [Participant(agencyId: agency.id, role: .lead)], createdAt: Date())
    try await store.createOperation(operation, by: Actor(user))
    return (store, Actor(user), operation.id)
}

/// The selectors of bench target `n`: an address, a domain and a URL, unique to it.
func benchSelectors(_ n: Int) -> (ip: String, domain: String, url: String) {
    let ip = "10.\((n >> 16) & 255).\((n >> 8) & 255).\(n & 255)"
    return (ip, "host\(n).bench-interop.example", "https://host\(n).bench-interop.example/release/\(n)")
}

struct PlainImport: Decodable {
    var targets: [TargetInput]
}

/// The lines of a file, read in pieces of 1 MiB.
func lines(of file: URL) throws -> [Data] {
    // A generator would keep memory flat; the batches are a few MiB, the file read whole would
    // not be, so it is read a line at a time.
    var result: [Data] = []
    guard let handle = FileHandle(forReadingAtPath: file.path) else { return [] }
    defer { try? handle.close() }
    var pending = Data()
    while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
        pending.append(chunk)
        while let newline = pending.firstIndex(of: 0x0A) {
            result.append(pending[pending.startIndex..<newline])
            pending.removeSubrange(pending.startIndex...newline)
        }
    }
    if !pending.isEmpty { result.append(pending) }
    return result
}

func writePlainBatches(_ count: Int, to file: URL) throws {
    FileManager.default.createFile(atPath: file.path, contents: nil)
    let handle = try FileHandle(forWritingTo: file)
    defer { try? handle.close() }
    for start in stride(from: 0, to: count, by: 10_000) {
        var line = #"{"targets":["#
        for n in start..<min(start + 10_000, count) {
            let (ip, domain, url) = benchSelectors(n)
            if n > start { line += "," }
            line +=
                #"{"kind":"server","name":"Server \#(n)","handling":"H2","evaluation":"X4","distribution":"all","selectors":[{"kind":"ip","value":"\#(ip)"},{"kind":"domain","value":"\#(domain)"},{"kind":"url","value":"\#(url)"}]}"#
        }
        line += "]}\n"
        try handle.write(contentsOf: Data(line.utf8))
    }
}

/// One import path, run in a child process of its own so that its peak resident memory is its
/// own: `ConcertBenchmarks interop-path PATH FILE`, PATH one of `plain` (JSON batches), `csv`,
/// `csv-read` (the table read and parsed alone, its targets dropped batch by batch) or `stix`.
/// Prints `RESULT seconds targets peakMiB readingSeconds`.
func runInteropPath(_ path: String, file: URL) async throws {
    let defaults = ImportDefaults(handling: .h2, evaluation: Evaluation(source: .x, information: .four))
    var count = 0
    var reading = Duration.zero
    let (store, actor, operationId) = try await interopInstallation(path)
    let service = InteropService(store: store)
    resetPeakResident()
    let start = ContinuousClock.now
    switch path {
    case "plain":
        guard let operation = try await store.operation(id: operationId) else { fatalError("no operation") }
        let importer = TargetImporter(store: store)
        let decoder = ConcertJSON.makeDecoder()
        for line in try lines(of: file) {
            let readStart = ContinuousClock.now
            let batch = try decoder.decode(PlainImport.self, from: line)
            reading += ContinuousClock.now - readStart
            let now = Date()
            let targets = try batch.targets.map {
                try $0.makeTarget(
                    id: Identifier.make(), operation: operation, originatorAgencyId: actor.agencyId,
                    createdBy: actor.userId, defaultCountry: "CY", createdAt: now, now: now)
            }
            _ = try await importer.importTargets(targets, by: actor)
            count += targets.count
        }
    case "csv", "csv-read":
        var reader = CSVImport(defaults: defaults)
        guard let handle = FileHandle(forReadingAtPath: file.path) else { fatalError("no table") }
        defer { try? handle.close() }
        func importBatch(_ targets: [ImportedTarget]) async throws {
            guard path == "csv" else {
                count += targets.count
                return
            }
            for first in stride(from: 0, to: targets.count, by: 10_000) {
                var batch = InteropImport(format: .csv)
                batch.targets = Array(targets[first..<min(first + 10_000, targets.count)])
                count += try await service.importFile(batch, into: operationId, by: actor, dryRun: false).created
            }
        }
        while true {
            let readStart = ContinuousClock.now
            guard let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty else { break }
            try reader.feed(chunk)
            let taken = reader.targetCount >= 10_000 ? reader.takeTargets() : []
            reading += ContinuousClock.now - readStart
            if !taken.isEmpty { try await importBatch(taken) }
        }
        let rest = try reader.finish()
        if !rest.errors.isEmpty { fatalError("the table has errors: \(rest.errors.prefix(3))") }
        try await importBatch(rest.targets)
    default:
        // Streamed as `concert import` reads it: in pieces of 1 MiB, never whole.
        let readStart = ContinuousClock.now
        var reader = STIXReader(defaults: defaults)
        guard let handle = FileHandle(forReadingAtPath: file.path) else { fatalError("no bundle") }
        defer { try? handle.close() }
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { try reader.feed(chunk) }
        let read = try reader.finish()
        reading = ContinuousClock.now - readStart
        count = try await service.importFile(read, into: operationId, by: actor, dryRun: false).created
    }
    let seconds = (ContinuousClock.now - start).seconds
    show("RESULT \(seconds) \(count) \(peakResidentMiB()) \(reading.seconds)")
}

/// Runs one path in a child process; returns its seconds, targets, peak MiB and reading seconds.
func interopPath(_ path: String, file: URL) throws -> (seconds: Double, count: Int, peak: Double, reading: Double) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    process.arguments = ["interop-path", path, file.path]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard let line = text.split(separator: "\n").last(where: { $0.hasPrefix("RESULT ") }) else {
        fatalError("the \(path) import printed no result: \(text.suffix(2_000))")
    }
    let fields = line.split(separator: " ").dropFirst().map { Double($0) ?? 0 }
    return (fields[0], Int(fields[1]), fields[2], fields[3])
}

func benchmarkInteropImport(rows: Int, stixObjects: Int, largeMiB: Int) async throws {
    show(
        "== Import of partners' files, next to the plain JSON import of the same targets (SQLite, each in a process of its own)"
    )
    let folder = try scratchFolder("interop-files")
    defer { try? FileManager.default.removeItem(at: folder) }

    if rows > 0 {
        let table = folder.appendingPathComponent("referral.csv")
        FileManager.default.createFile(atPath: table.path, contents: nil)
        let handle = try FileHandle(forWritingTo: table)
        try handle.write(contentsOf: Data("name,ip,domain,url\n".utf8))
        var text = ""
        for n in 0..<rows {
            let (ip, domain, url) = benchSelectors(n)
            text += "Server \(n),\(ip),\(domain),\(url)\n"
            if text.utf8.count > 1 << 20 {
                try handle.write(contentsOf: Data(text.utf8))
                text = ""
            }
        }
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
        let plainTable = folder.appendingPathComponent("plain-table.jsonl")
        try writePlainBatches(rows, to: plainTable)
        let tableBytes = (try FileManager.default.attributesOfItem(atPath: table.path)[.size] as? Int) ?? 0
        let plain = try interopPath("plain", file: plainTable)
        let csv = try interopPath("csv", file: table)
        let parsed = try interopPath("csv-read", file: table)
        show(
            String(
                format:
                    "   CSV table of %d rows (%.0f MiB), streamed and imported 10,000 at a time: %.1f s, %.0f targets/s (reading %.1f s of it), peak resident %.0f MiB",
                csv.count, Double(tableBytes) / 1_048_576, csv.seconds, Double(csv.count) / csv.seconds, csv.reading,
                csv.peak))
        show(
            String(
                format:
                    "   plain JSON import of the same %d targets, 10,000 a request: %.1f s, %.0f targets/s (decoding %.1f s of it), peak resident %.0f MiB",
                plain.count, plain.seconds, Double(plain.count) / plain.seconds, plain.reading, plain.peak))
        show(
            String(
                format:
                    "   the table read and parsed alone, its targets handed over 10,000 at a time: %.1f s, %.0f rows/s, peak resident %.0f MiB",
                parsed.seconds, Double(parsed.count) / parsed.seconds, parsed.peak))
        let ratio = (Double(csv.count) / csv.seconds) / (Double(plain.count) / plain.seconds)
        show(
            String(
                format:
                    "   CSV rate / plain JSON rate: %.2f (target: at least 0.5, %@); reading the table %@ 256 MiB (%.0f MiB); the whole import's memory is the cross-check index of every target stored, as the plain import's",
                ratio, ratio >= 0.5 ? "met" : "NOT met", parsed.peak < 256 ? "within" : "NOT within", parsed.peak))
    }

    let targets = stixObjects / 11
    guard targets > 0 else { return }
    let bundle = folder.appendingPathComponent("bundle.json")
    try writeBundle(targets: targets, noteBytes: 0, to: bundle)
    let plainBundle = folder.appendingPathComponent("plain-bundle.jsonl")
    try writePlainBatches(targets, to: plainBundle)
    let bundleBytes = (try FileManager.default.attributesOfItem(atPath: bundle.path)[.size] as? Int) ?? 0
    let plain = try interopPath("plain", file: plainBundle)
    let stix = try interopPath("stix", file: bundle)
    show(
        String(
            format:
                "   STIX bundle of %d objects (%.0f MiB), %d targets, one import: %.1f s, %.0f objects/s, %.0f targets/s (reading %.1f s of it), peak resident %.0f MiB",
            targets * 11, Double(bundleBytes) / 1_048_576, stix.count, stix.seconds,
            Double(targets * 11) / stix.seconds, Double(stix.count) / stix.seconds, stix.reading, stix.peak))
    show(
        String(
            format:
                "   plain JSON import of the same %d targets: %.1f s, %.0f targets/s (decoding %.1f s of it), peak resident %.0f MiB",
            plain.count, plain.seconds, Double(plain.count) / plain.seconds, plain.reading, plain.peak))
    let ratio = (Double(stix.count) / stix.seconds) / (Double(plain.count) / plain.seconds)
    show(
        String(
            format:
                "   STIX rate / plain JSON rate (targets): %.2f (target: at least 0.5, %@); STIX peak memory %@ (target: under 256 MiB)",
            ratio, ratio >= 0.5 ? "met" : "NOT met", stix.peak < 256 ? "met" : "NOT met"))

    // The same targets in a bundle of about `largeMiB` MiB: each with a note of the size that
    // takes (an analyst's report, as real bundles carry), which Concert counts and does not keep.
    guard largeMiB > 0 else { return }
    let large = folder.appendingPathComponent("large-bundle.json")
    try writeBundle(targets: targets, noteBytes: max(0, (largeMiB << 20) / targets - 3_000), to: large)
    let largeBytes = (try FileManager.default.attributesOfItem(atPath: large.path)[.size] as? Int) ?? 0
    let streamed = try interopPath("stix", file: large)
    try? FileManager.default.removeItem(at: large)
    show(
        String(
            format:
                "   STIX bundle of %.0f MiB (the same %d targets, each with a note of %.0f KiB), streamed and imported: %.1f s, %.0f MiB/s read, peak resident %.0f MiB (target: under 256 MiB, %@)",
            Double(largeBytes) / 1_048_576, streamed.count, Double(largeBytes / targets) / 1_024, streamed.seconds,
            Double(largeBytes) / 1_048_576 / streamed.reading, streamed.peak, streamed.peak < 256 ? "met" : "NOT met"))
}

/// Writes a bundle of `targets` targets of 11 objects each (an infrastructure, its indicators
/// and observables, their relationships), each with a note of `noteBytes` characters when that
/// is more than none; written a target at a time, so that a bundle of any size can be.
func writeBundle(targets: Int, noteBytes: Int, to file: URL) throws {
    FileManager.default.createFile(atPath: file.path, contents: nil)
    let handle = try FileHandle(forWritingTo: file)
    defer { try? handle.close() }
    func id(_ type: String, _ n: Int, _ part: Int) -> String {
        "\(type)--" + String(format: "%08x-0000-4000-8000-%012x", part, n)
    }
    let stamp = "2026-12-01T00:00:00.000Z"
    let words = String(repeating: "Seen serving releases from the group's mirror. ", count: noteBytes / 48 + 1)
    let content = String(words.prefix(noteBytes))
    var text = #"{"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000000","objects":["#
    for n in 0..<targets {
        let (ip, domain, url) = benchSelectors(n)
        let infrastructure = id("infrastructure", n, 1)
        let ipIndicator = id("indicator", n, 2)
        let domainIndicator = id("indicator", n, 3)
        let ipObservable = id("ipv4-addr", n, 4)
        let domainObservable = id("domain-name", n, 5)
        let urlObservable = id("url", n, 6)
        func relationship(_ part: Int, _ source: String, _ target: String) -> String {
            #"{"type":"relationship","spec_version":"2.1","id":"\#(id("relationship", n, part))","created":"\#(stamp)","modified":"\#(stamp)","relationship_type":"related-to","source_ref":"\#(source)","target_ref":"\#(target)"}"#
        }
        var objects = [
            #"{"type":"infrastructure","spec_version":"2.1","id":"\#(infrastructure)","created":"\#(stamp)","modified":"\#(stamp)","name":"Server \#(n)"}"#,
            #"{"type":"indicator","spec_version":"2.1","id":"\#(ipIndicator)","created":"\#(stamp)","modified":"\#(stamp)","pattern_type":"stix","pattern":"[ipv4-addr:value = '\#(ip)']","valid_from":"\#(stamp)"}"#,
            #"{"type":"indicator","spec_version":"2.1","id":"\#(domainIndicator)","created":"\#(stamp)","modified":"\#(stamp)","pattern_type":"stix","pattern":"[domain-name:value = '\#(domain)']","valid_from":"\#(stamp)"}"#,
            #"{"type":"ipv4-addr","spec_version":"2.1","id":"\#(ipObservable)","value":"\#(ip)"}"#,
            #"{"type":"domain-name","spec_version":"2.1","id":"\#(domainObservable)","value":"\#(domain)"}"#,
            #"{"type":"url","spec_version":"2.1","id":"\#(urlObservable)","value":"\#(url)"}"#,
            relationship(7, ipIndicator, infrastructure), relationship(8, domainIndicator, infrastructure),
            relationship(9, ipIndicator, ipObservable), relationship(10, domainIndicator, domainObservable),
            relationship(11, infrastructure, urlObservable),
        ]
        if noteBytes > 0 {
            objects.append(
                #"{"type":"note","spec_version":"2.1","id":"\#(id("note", n, 12))","created":"\#(stamp)","modified":"\#(stamp)","content":"\#(content)","object_refs":["\#(infrastructure)"]}"#
            )
        }
        text += (n == 0 ? "" : ",") + objects.joined(separator: ",")
        if text.utf8.count > 1 << 20 {
            try handle.write(contentsOf: Data(text.utf8))
            text = ""
        }
    }
    text += "]}"
    try handle.write(contentsOf: Data(text.utf8))
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
