import ConcertCore
import ConcertStorage
import Foundation
import Testing

/// `concert import` and `concert export` on an installation's database.
@Suite("Import and export commands")
struct InteropCommandTests {
    @Test(
        "a table is previewed, refused whole for one bad row, imported by a participant and exported as it may see it")
    func importAndExport() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("concert-interop-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("concert.sqlite").path
        var store: SQLiteStore? = try SQLiteStore(path: path)
        let police = Agency(id: Identifier.make(), name: "Cyprus Police", country: "CY", kind: .police)
        let outsider = Agency(id: Identifier.make(), name: "Other Police", country: "NO", kind: .police)
        for agency in [police, outsider] { try await store!.createAgency(agency, by: nil) }
        let officer = User(
            id: Identifier.make(), username: "cy-officer", displayName: "C Y", agencyId: police.id, role: .coordinator)
        let stranger = User(
            id: Identifier.make(), username: "no-officer", displayName: "N O", agencyId: outsider.id, role: .officer)
        for user in [officer, stranger] { try await store!.createUser(user, passwordHash: "unused", by: nil) }
        let operation = JointOperation(
            id: Identifier.make(), codeName: "SPARKLER", summary: nil, leadAgencyId: police.id,
            hHour: Date(timeIntervalSince1970: 1_800_000_000),
            participants: [Participant(agencyId: police.id, role: .lead)],
            createdAt: Date())
        try await store!.createOperation(operation, by: Actor(officer))
        store = nil
        let good = folder.appendingPathComponent("good.csv")
        try Data(
            "name;ip;domain\nRelease server;198.51.100.201;cli-test.example\nWide;10.0.0.0/8|198.51.100.202;co.uk\n"
                .utf8
        ).write(to: good)
        let bad = folder.appendingPathComponent("bad.csv")
        try Data("name,ip\nA,198.51.100.1\nB,300.1.1.1\n".utf8).write(to: bad)
        let common = ["--operation", operation.id, "--database", path]

        let preview = try ConcertExecutable.run(
            ["import", "csv", good.path, "--user", "cy-officer", "--dry-run"] + common)
        #expect(preview.status == 0, "\(preview.errors)")
        #expect(preview.output.contains("Would create 2"))
        #expect(preview.output.contains("line 3, column 2 (ip)"), "the /8 block is left out by rule")
        #expect(try await SQLiteStore(path: path).encodedTargets(operationId: operation.id).isEmpty)

        let refused = try ConcertExecutable.run(["import", "csv", bad.path, "--user", "cy-officer"] + common)
        #expect(refused.status != 0)
        #expect(refused.errors.contains("line 3, column 2 (ip): '300.1.1.1' is not an IPv4 or IPv6 address"))
        let hidden = try ConcertExecutable.run(["import", "csv", good.path, "--user", "no-officer"] + common)
        #expect(hidden.status != 0)
        #expect(hidden.errors.contains("No such operation"))
        #expect(try await SQLiteStore(path: path).encodedTargets(operationId: operation.id).isEmpty)

        let imported = try ConcertExecutable.run(
            ["import", "csv", good.path, "--user", "cy-officer", "--evaluation", "B2", "--json"] + common)
        #expect(imported.status == 0, "\(imported.errors)")
        let plan = try JSONSerialization.jsonObject(with: Data(imported.output.utf8)) as? [String: Any]
        #expect(plan?["created"] as? Int == 2)
        let targets = try await SQLiteStore(path: path).encodedTargets(operationId: operation.id)
        #expect(targets.count == 2)
        #expect(targets.allSatisfy { $0.json.contains(#""evaluation":"B2""#) })

        let stix = try ConcertExecutable.run(["export", "stix", "--user", "cy-officer"] + common)
        #expect(stix.status == 0, "\(stix.errors)")
        #expect(stix.output.contains("[ipv4-addr:value = '198.51.100.201']"))
        let strangers = try ConcertExecutable.run(["export", "misp", "--user", "no-officer"] + common)
        #expect(strangers.status != 0)
        #expect(!strangers.output.contains("198.51.100.201"))
        let calendar = try ConcertExecutable.run(["export", "ics", "--user", "cy-officer"] + common)
        #expect(calendar.status == 0)
        #expect(calendar.output.hasPrefix("BEGIN:VCALENDAR\r\n"))

        // More than one import holds: refused whole, or taken in parts with --in-parts.
        let large = folder.appendingPathComponent("large.csv")
        var rows = "name,ip\n"
        for n in 0..<12_000 { rows += "Server \(n),10.88.\(n / 256).\(n % 256)\n" }
        try Data(rows.utf8).write(to: large)
        let whole = try ConcertExecutable.run(["import", "csv", large.path, "--user", "cy-officer"] + common)
        #expect(whole.status != 0)
        #expect(whole.errors.contains("at most 10000"))
        let parts = try ConcertExecutable.run(
            ["import", "csv", large.path, "--user", "cy-officer", "--in-parts"] + common)
        #expect(parts.status == 0, "\(parts.errors)")
        #expect(parts.output.contains("Created 12000, updated 0, skipped 0 in 2 parts"))
        #expect(try await SQLiteStore(path: path).encodedTargets(operationId: operation.id).count == 12_002)
        let badLate = folder.appendingPathComponent("bad-late.csv")
        try Data((rows + "Broken,10.88.999.1\n").utf8).write(to: badLate)
        let stopped = try ConcertExecutable.run(
            ["import", "csv", badLate.path, "--user", "cy-officer", "--in-parts", "--dry-run"] + common)
        #expect(stopped.status != 0)
        #expect(stopped.errors.contains("line 12002, column 2 (ip)"))
    }
}
