import Foundation
import Testing

@testable import ConcertCore

@Suite("Access policy")
struct AccessPolicyTests {
    let operation = JointOperation(
        id: "op", codeName: "TEST", summary: nil, leadAgencyId: "lead", hHour: nil,
        participants: [
            Participant(agencyId: "lead", role: .lead), Participant(agencyId: "b", role: .participant),
            Participant(agencyId: "c", role: .participant), Participant(agencyId: "obs", role: .observer),
        ], createdAt: Date())

    let coordinator = Actor(userId: "1", agencyId: "lead", role: .coordinator)
    let officerB = Actor(userId: "2", agencyId: "b", role: .officer)
    let officerC = Actor(userId: "3", agencyId: "c", role: .officer)
    let observerAgency = Actor(userId: "4", agencyId: "obs", role: .officer)
    let observerRole = Actor(userId: "5", agencyId: "b", role: .observer)
    let outsider = Actor(userId: "6", agencyId: "x", role: .coordinator)
    let admin = Actor(userId: "7", agencyId: "lead", role: .admin)
    let prosecutorC = Actor(userId: "8", agencyId: "c", role: .prosecutor)
    let adminOfB = Actor(userId: "9", agencyId: "b", role: .agencyAdmin)

    func denial(_ actor: Actor, _ permission: Permission) -> AccessDenial? {
        if case .failure(let denial) = AccessPolicy.decide(actor, permission, in: operation) { return denial }
        return nil
    }

    @Test("a non-participant and the platform admin learn nothing: every question is 'not found'")
    func outsiders() {
        let record = RecordHandling(originatorAgencyId: "b", handling: .h0, distribution: .allParticipants)
        let permissions: [Permission] = [
            .viewOperation, .viewBoard, .viewIntelligence, .createRecord, .readRecord(record), .modifyRecord(record),
            .decideForward(record), .inviteAgency, .setHHour, .changePlan, .manageInstruments,
            .reportStatus(executingAgencyId: "x", to: .ready),
        ]
        for permission in permissions {
            #expect(denial(outsider, permission) == .hidden("No such operation."))
            #expect(denial(admin, permission) == .hidden("No such operation."))
            // An agency administrator of a participant sees no more than the platform's.
            #expect(denial(adminOfB, permission) == .hidden("No such operation."))
        }
        for administrator in [admin, adminOfB] {
            #expect(!AccessPolicy.allows(administrator, .listOperations))
            #expect(!AccessPolicy.allows(administrator, .useCrossCheck))
        }
    }

    @Test("the platform admin makes only an agency's first administrator; after that only its own administrators")
    func accounts() {
        // The platform admin mints no account that could read content.
        for role in UserRole.allCases where role != .agencyAdmin {
            #expect(
                !AccessPolicy.allows(admin, .createAccount(agencyId: "lead", role: role, agencyHasAccounts: false)))
        }
        #expect(AccessPolicy.allows(admin, .createAccount(agencyId: "b", role: .agencyAdmin, agencyHasAccounts: false)))
        #expect(!AccessPolicy.allows(admin, .createAccount(agencyId: "b", role: .agencyAdmin, agencyHasAccounts: true)))
        #expect(!AccessPolicy.allows(admin, .changeAccount(agencyId: "b", role: .officer)))
        // An agency's administrator manages its own accounts, never another agency's.
        #expect(
            AccessPolicy.allows(adminOfB, .createAccount(agencyId: "b", role: .coordinator, agencyHasAccounts: true)))
        #expect(
            !AccessPolicy.allows(adminOfB, .createAccount(agencyId: "lead", role: .officer, agencyHasAccounts: true)))
        #expect(!AccessPolicy.allows(adminOfB, .createAccount(agencyId: "b", role: .admin, agencyHasAccounts: true)))
        #expect(AccessPolicy.allows(adminOfB, .changeAccount(agencyId: "b", role: .officer)))
        #expect(!AccessPolicy.allows(adminOfB, .changeAccount(agencyId: "lead", role: .officer)))
        #expect(!AccessPolicy.allows(adminOfB, .changeAccount(agencyId: "b", role: .admin)))
        #expect(AccessPolicy.allows(adminOfB, .viewAccounts(agencyId: "b")))
        #expect(!AccessPolicy.allows(adminOfB, .viewAccounts(agencyId: "lead")))
        // Account notices are the agency's own administrators' alone, not the platform admin's.
        #expect(AccessPolicy.allows(adminOfB, .readAccountNotices(agencyId: "b")))
        #expect(!AccessPolicy.allows(adminOfB, .readAccountNotices(agencyId: "lead")))
        #expect(!AccessPolicy.allows(admin, .readAccountNotices(agencyId: "b")))
        #expect(AccessPolicy.allows(admin, .manageAccounts) && AccessPolicy.allows(adminOfB, .manageAccounts))
        for actor in [coordinator, officerB, observerRole, prosecutorC] {
            #expect(!AccessPolicy.allows(actor, .manageAccounts))
            #expect(!AccessPolicy.allows(actor, .readAccountNotices(agencyId: actor.agencyId)))
            #expect(
                !AccessPolicy.allows(
                    actor, .createAccount(agencyId: actor.agencyId, role: .officer, agencyHasAccounts: true)))
            #expect(!AccessPolicy.allows(actor, .changeAccount(agencyId: actor.agencyId, role: .officer)))
            #expect(!AccessPolicy.allows(actor, .viewAccounts(agencyId: actor.agencyId)))
        }
    }

    @Test("intelligence is sent only to agencies that take part, and not to observers")
    func intelligenceRecipients() {
        #expect(AccessPolicy.mayReceiveIntelligence(agencyId: coordinator.agencyId, in: operation))
        #expect(AccessPolicy.mayReceiveIntelligence(agencyId: officerC.agencyId, in: operation))
        #expect(!AccessPolicy.mayReceiveIntelligence(agencyId: observerAgency.agencyId, in: operation))
        #expect(!AccessPolicy.mayReceiveIntelligence(agencyId: outsider.agencyId, in: operation))
    }

    @Test("the other side of a hit is told beyond whom to contact only to those who may read its record")
    func hitCounterparts() {
        let forLead = RecordHandling(originatorAgencyId: "b", handling: .h2, distribution: .agencies(["lead"]))
        let shared = RecordHandling(originatorAgencyId: "b", handling: .h0, distribution: .allParticipants)
        #expect(AccessPolicy.mayReadCounterpart(coordinator, handling: forLead, in: operation))
        #expect(!AccessPolicy.mayReadCounterpart(officerC, handling: forLead, in: operation))
        #expect(AccessPolicy.mayReadCounterpart(officerC, handling: shared, in: operation))
        #expect(!AccessPolicy.mayReadCounterpart(outsider, handling: shared, in: operation))
        #expect(!AccessPolicy.mayReadCounterpart(observerAgency, handling: shared, in: operation))
        // A record that is gone, or an operation that is, tells nothing.
        #expect(!AccessPolicy.mayReadCounterpart(coordinator, handling: nil, in: operation))
        #expect(!AccessPolicy.mayReadCounterpart(coordinator, handling: shared, in: nil))
    }

    @Test("observers see the board and nothing else")
    func observers() {
        let record = RecordHandling(originatorAgencyId: "b", handling: .h0, distribution: .allParticipants)
        for observer in [observerAgency, observerRole] {
            #expect(AccessPolicy.allows(observer, .viewBoard, in: operation))
            #expect(denial(observer, .viewIntelligence) != nil)
            #expect(denial(observer, .readRecord(record)) != nil)
            #expect(denial(observer, .createRecord) != nil)
            #expect(denial(observer, .reportStatus(executingAgencyId: observer.agencyId, to: .ready)) != nil)
        }
    }

    @Test("named distribution hides a record from everyone else, as if it did not exist")
    func distribution() {
        let restricted = RecordHandling(originatorAgencyId: "b", handling: .h2, distribution: .agencies(["lead"]))
        #expect(AccessPolicy.allows(officerB, .readRecord(restricted), in: operation))
        #expect(AccessPolicy.allows(coordinator, .readRecord(restricted), in: operation))
        #expect(denial(officerC, .readRecord(restricted)) == .hidden("No such record."))
        #expect(denial(officerC, .modifyRecord(restricted)) == .hidden("No such record."))
        #expect(denial(coordinator, .modifyRecord(restricted)) != nil)
        #expect(AccessPolicy.allows(officerB, .modifyRecord(restricted), in: operation))
        // A forward of a message is the sender's to decide; a reader of it is told so, others learn nothing.
        #expect(AccessPolicy.allows(officerB, .decideForward(restricted), in: operation))
        #expect(
            denial(coordinator, .decideForward(restricted))
                == .forbidden("Only the agency that sent the message decides who else receives it."))
        #expect(denial(officerC, .decideForward(restricted)) == .hidden("No such record."))
        #expect(denial(observerAgency, .decideForward(restricted)) != nil)
    }

    @Test("only the lead coordinator plans; officers report their own agency's actions")
    func planning() {
        for permission in [Permission.inviteAgency, .setHHour, .changePlan] {
            #expect(AccessPolicy.allows(coordinator, permission, in: operation))
            #expect(denial(officerB, permission) != nil)
            #expect(denial(prosecutorC, permission) != nil)
        }
        #expect(AccessPolicy.allows(officerB, .reportStatus(executingAgencyId: "b", to: .inProgress), in: operation))
        #expect(denial(officerB, .reportStatus(executingAgencyId: "c", to: .inProgress)) != nil)
        #expect(denial(officerB, .reportStatus(executingAgencyId: "b", to: .go)) != nil)
        #expect(AccessPolicy.allows(coordinator, .reportStatus(executingAgencyId: "c", to: .go), in: operation))
        #expect(AccessPolicy.allows(prosecutorC, .manageInstruments, in: operation))
        #expect(denial(officerC, .manageInstruments) != nil)
    }

    @Test(
        "an exhibit: its readers, its holder's officers add to its chain, its receiver's confirm, a prosecutor neither")
    func exhibits() {
        // Seized by B for the lead agency, handed over to C: C may see it as its receiver.
        let access = ExhibitAccess(
            record: RecordHandling(originatorAgencyId: "b", handling: .h2, distribution: .agencies(["lead"])),
            custodianAgencyIds: ["b", "c"], holderAgencyId: "b")
        for actor in [coordinator, officerB, officerC, prosecutorC] {
            #expect(denial(actor, .readExhibit(access)) == nil, "\(actor.userId)")
        }
        #expect(denial(observerAgency, .readExhibit(access)) != nil)
        #expect(denial(observerRole, .readExhibit(access)) != nil)
        #expect(denial(outsider, .readExhibit(access)) == .hidden("No such operation."))
        let unrelated = ExhibitAccess(record: access.record, custodianAgencyIds: ["b"], holderAgencyId: "b")
        #expect(denial(officerC, .readExhibit(unrelated)) == .hidden("No such exhibit."))
        #expect(denial(officerB, .addCustody(access)) == nil)
        #expect(denial(coordinator, .addCustody(access)) != nil, "the lead sees it but does not hold it")
        #expect(denial(officerC, .confirmReceipt(access, receivingAgencyId: "c")) == nil)
        #expect(denial(prosecutorC, .confirmReceipt(access, receivingAgencyId: "c")) != nil)
        #expect(denial(officerB, .confirmReceipt(access, receivingAgencyId: "c")) != nil)
        let heldByC = ExhibitAccess(record: access.record, custodianAgencyIds: ["b", "c"], holderAgencyId: "c")
        #expect(denial(prosecutorC, .addCustody(heldByC)) != nil, "a prosecutor orders; officers record")
        #expect(denial(officerC, .recordExhibit(executingAgencyId: "b")) != nil)
        #expect(denial(coordinator, .recordExhibit(executingAgencyId: "b")) == nil)
    }
}
