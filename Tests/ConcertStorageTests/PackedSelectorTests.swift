import ConcertCore
import Foundation
import GRDB
import Testing

@testable import ConcertStorage

@Suite("Selectors packed into their target rows (SQLite)")
struct PackedSelectorTests {
    @Test("any match key round-trips through the packed form; a malformed tail is ignored")
    func roundTrip() {
        let selectors = [
            Selector(kind: .url, value: .text("x"), matchKey: "https://example.com/a b\nc 12 -", dateOfBirth: nil),
            Selector(kind: .person, value: .text("x"), matchKey: "ivan petrov", dateOfBirth: "1980-02-29"),
            Selector(kind: .domain, value: .text("x"), matchKey: "", dateOfBirth: nil),
        ]
        let packed = PackedSelectors.pack(selectors) + "ip 99 truncated"
        var read: [Selector] = []
        var bytes = Array(packed.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            PackedSelectors.forEach(in: UnsafeRawBufferPointer(buffer)) { kind, key, birth in
                let matchKey = String(decoding: key, as: UTF8.self)
                read.append(
                    Selector(
                        kind: kind, value: .text("x"), matchKey: matchKey,
                        dateOfBirth: birth.map { String(decoding: $0, as: UTF8.self) }))
            }
        }
        #expect(read == selectors)
    }

    @Test("a database from before the packing keeps every selector")
    func migrationFromSelectorRows() async throws {
        let path = try await oldDatabase(
            upTo: "v7: messages", named: "packed",
            """
            INSERT INTO target (id, operation_id, originator_agency_id, handling, distribution, json)
            VALUES ('t1', 'op', 'fr', 'H0', '"all"', '{}'), ('t2', 'op', 'fr', 'H0', '"all"', '{}');
            INSERT INTO selector (target_id, operation_id, kind, match_key, date_of_birth) VALUES
                ('t1', 'op', 'ip', '192.0.2.1', NULL), ('t1', 'op', 'domain', 'example.com', NULL),
                ('t2', 'op', 'person', 'ivan petrov', '1980-02-29');
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try SQLiteStore(path: path)
        let selectors = try await store.allSelectors()
        #expect(
            selectors.map { "\($0.targetId) \($0.kind.rawValue) \($0.matchKey) \($0.dateOfBirth ?? "-")" } == [
                "t1 ip 192.0.2.1 -", "t1 domain example.com -", "t2 person ivan petrov 1980-02-29",
            ])
        #expect(selectors.allSatisfy { $0.operationId == "op" && $0.agencyId == "fr" })
    }
}
