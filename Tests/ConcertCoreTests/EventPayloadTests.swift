import Foundation
import Testing

@testable import ConcertCore

@Suite("Typed events: every kind with its payload")
struct EventPayloadTests {
    func same(_ one: any EventPayload.Type, _ other: any EventPayload.Type) -> Bool {
        ObjectIdentifier(one) == ObjectIdentifier(other)
    }

    @Test("each kind's typed declaration names that kind")
    func declarationsNameTheirKinds() {
        for kind in EventKind.allCases {
            #expect(kind.declaration.kind == kind, "\(kind.rawValue) is declared as \(kind.declaration.kind.rawValue)")
        }
    }

    @Test("kinds of one family that carry one record share its type; a deletion carries what it deleted")
    func familiesShareTheirRecord() {
        let expected: [EventFamily: any EventPayload.Type] = [
            .action: Action.self, .agency: Agency.self, .crosscheck: CrossCheckNotice.self,
            .exclusion: Exclusion.self, .exhibit: CustodyRecord.self, .hit: Hit.self, .instrument: LegalInstrument.self,
            .log: LogEntry.self,
            .message: MessageNotice.self, .operation: JointOperation.self, .signIn: FailedSignIn.self,
        ]
        // A deletion names what left (and, for a target, who may know of it), not the record.
        let deletions: Set<EventKind> = [.actionDeleted, .targetDeleted, .sitrepDiscarded]
        for kind in EventKind.allCases where !deletions.contains(kind) {
            guard let type = expected[kind.family] else { continue }
            #expect(same(kind.payloadType, type), "\(kind.rawValue) carries \(kind.payloadType)")
        }
        #expect(same(EventKind.targetDeleted.payloadType, DeletedTarget.self))
        #expect(same(EventKind.targetCreated.payloadType, Target.self))
        #expect(same(EventKind.sitrepDiscarded.payloadType, RecordReference.self))
        #expect(same(EventKind.actionDeleted.payloadType, RecordReference.self))
        #expect(same(EventKind.userSignedIn.payloadType, SignedIn.self))
        #expect(same(EventKind.userDisabled.payloadType, User.self))
    }

    @Test("a payload reads back as its kind carries it, and not as another type")
    func payloadsReadBack() throws {
        let reference = RecordReference(id: "sitrep-1")
        let json = try EncodedPayload(reference).json
        #expect(json == #"{"id":"sitrep-1"}"#)
        #expect(try TypedEventKind.sitrepDiscarded.decode(json) == reference)
        #expect(throws: (any Error).self) { _ = try TypedEventKind.userSignedIn.decode(json) }
        let stored = try EncodedPayload<RecordReference>.stored(#"{"id":"x"}"#)
        #expect(stored.payload.id == "x")
        #expect(stored.encoded.json == #"{"id":"x"}"#)
        #expect(throws: (any Error).self) { _ = try EncodedPayload<SignedIn>.stored(#"{"id":"x"}"#) }
    }

    @Test("a list delivery is written as the audit trail has always kept it")
    func listDeliveryKeepsItsForm() throws {
        let short = ListDelivery(ids: ["a", "b"], asOfSequence: 7, via: "web", query: "bitcoin \"x\"")
        #expect(
            short.eventJSON() == #"{"count":2,"asOfSequence":7,"ids":["a","b"],"query":"bitcoin \"x\"","via":"web"}"#)
        #expect(try ListDelivery.decodeEventJSON(short.eventJSON()) == short)
        // An entry of a long list written before lists came a page at a time still reads.
        let long = try ListDelivery.decodeEventJSON(#"{"count":1001,"asOfSequence":42}"#)
        #expect(long.count == 1_001 && long.ids == nil && long.eventJSON() == #"{"count":1001,"asOfSequence":42}"#)
    }

    @Test("the audit and the notices a check writes by hand are the encoder's, byte for byte")
    func auditAndNoticeEncoding() throws {
        let audit = CrossCheckAudit(
            checked: 3, hits: 1,
            selectors: [
                .init(kind: .ip, value: "203.0.113.7", hit: true),
                .init(kind: .person, value: "Zoë \"Z\" Quell (born 1970-01-02)", hit: false),
                .init(kind: .url, value: "https://example.com/a\\b\u{1}", hit: false),
            ])
        #expect(audit.eventJSON() == (try ConcertJSON.encodeToString(audit)))
        var notice = CrossCheckNotice(
            id: "n1", holderAgencyId: "cy", operationId: "op", checkedAt: Date(timeIntervalSince1970: 1_800_000_000.25),
            checkedBy: .init(
                userId: "u", agencyId: "fr", agencyName: "Police \"nationale\"", agencyCountry: "FR",
                agencyContact: nil),
            selectors: [
                .init(targetId: "t1", selectorKind: .ip, value: "203.0.113.7", dateOfBirth: nil, match: .exact),
                .init(
                    targetId: "t2", selectorKind: .person, value: "zoe quell", dateOfBirth: "1970-01-02",
                    match: .possiblePerson),
            ])
        #expect(notice.eventJSON() == (try ConcertJSON.encodeToString(notice)))
        #expect(try TypedEventKind.crosscheckChecked.decode(notice.eventJSON()) == notice)
        notice.checkedBy.agencyContact = "+33 1\n2"
        notice.selectors = []
        #expect(notice.eventJSON() == (try ConcertJSON.encodeToString(notice)))
    }
}
