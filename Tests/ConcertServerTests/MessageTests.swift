import AsyncHTTPClient
import ConcertCore
import ConcertStorage
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

@testable import ConcertServer

@Suite("Messages, attachments, acknowledgements and handling rules")
struct MessageTests {
    static func messagesPath(_ world: TestWorld) -> String { "/api/v1/operations/\(world.operation.id)/messages" }

    static func ids(_ response: TestResponse) -> [String] {
        (response.object["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
    }

    /// The files stored in an attachments folder, staging included.
    static func storedFiles(_ settings: AttachmentSettings) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: settings.folder.path)
        var files: [String] = []
        while let path = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(
                atPath: settings.folder.appendingPathComponent(path).path, isDirectory: &isDirectory),
                !isDirectory.boolValue
            {
                files.append(path)
            }
        }
        return files.sorted()
    }

    static func post(
        _ message: [String: Any], as persona: Persona, in world: TestWorld, client: any TestClientProtocol
    ) async throws -> TestResponse {
        try await client.execute(
            uri: messagesPath(world), method: .post, headers: TestWorld.headers(persona), body: .json(message))
    }

    @Test(
        "an agency outside the distribution, an observer and outsiders find nothing: not in lists, counts, searches or threads"
    )
    func nothingLeaks() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let path = Self.messagesPath(world)
        try await world.withClient { client in
            // B answers its shared message for the lead agency only: C must not see the answer in the thread.
            let reply = try await Self.post(
                [
                    "subject": "Re: briefing", "body": "The courier also pays the Ashburn host.", "handling": "H2",
                    "evaluation": "B2", "distribution": [world.lead.id], "replyTo": world.sharedMessage.id,
                ], as: .participantOfficer, in: world, client: client)
            #expect(reply.status == .created, "\(reply.text)")
            let replyId = try #require(reply.object["id"] as? String)

            let forLead = try await client.execute(
                uri: path, method: .get, headers: TestWorld.headers(.leadCoordinator))
            #expect(Set(Self.ids(forLead)) == [world.sharedMessage.id, world.restrictedMessage.id, replyId])
            #expect(forLead.object["unread"] as? Int == 3)
            #expect(forLead.object["unacknowledged"] as? Int == 3)

            let forC = try await client.execute(
                uri: path, method: .get, headers: TestWorld.headers(.otherParticipantOfficer))
            #expect(Self.ids(forC) == [world.sharedMessage.id])
            #expect(forC.object["unread"] as? Int == 1)
            #expect(forC.object["unacknowledged"] as? Int == 1)

            for word in ["courier", "Limassol", "payment"] {
                let searchC = try await client.execute(
                    uri: path + "?q=\(word)", method: .get, headers: TestWorld.headers(.otherParticipantOfficer))
                #expect(Self.ids(searchC).isEmpty, "C found '\(word)': \(searchC.text)")
                #expect(!searchC.text.contains(world.restrictedMessage.subject))
            }
            let searchLead = try await client.execute(
                uri: path + "?q=courier", method: .get, headers: TestWorld.headers(.leadCoordinator))
            #expect(Set(Self.ids(searchLead)) == [world.restrictedMessage.id, replyId])

            let threadForC = try await client.execute(
                uri: path + "/\(world.sharedMessage.id)", method: .get,
                headers: TestWorld.headers(.otherParticipantOfficer))
            let cThread = try #require(threadForC.object["thread"] as? [[String: Any]])
            #expect(cThread.compactMap { $0["id"] as? String } == [world.sharedMessage.id])
            #expect(!threadForC.text.contains(replyId) && !threadForC.text.contains("courier"))
            let threadForLead = try await client.execute(
                uri: path + "/\(world.sharedMessage.id)", method: .get, headers: TestWorld.headers(.leadCoordinator))
            #expect((threadForLead.object["thread"] as? [Any])?.count == 2)

            for persona in [
                Persona.otherParticipantOfficer, .observer, .nonParticipant, .platformAdmin, .agencyAdmin, .anonymous,
            ] {
                let reply = try await client.execute(
                    uri: path + "/\(replyId)", method: .get, headers: TestWorld.headers(persona))
                #expect(reply.status != .ok)
                let file = try await client.execute(
                    uri: path + "/\(world.restrictedMessage.id)/attachments/\(world.restrictedMessage.attachmentId)",
                    method: .get, headers: TestWorld.headers(persona))
                #expect([401, 403, 404].contains(file.status.code), "\(persona): \(file.status)")
                #expect(!file.text.contains("ledger"))
            }
        }
    }

    @Test("the live feed carries a message only to its audience, never its body")
    func feedIsFiltered() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let feed = LiveFeed(store: world.store)
        func events(_ persona: Persona) async throws -> String {
            let actor = Actor(world.users[persona]!)
            let operation = try #require(try await world.store.operation(id: world.operation.id))
            let lines = Mutex<[String]>([])
            try await feed.run(operation: operation, actor: actor, since: 0, follow: false) { message in
                if case .event(_, let kind, let json) = message, kind.hasPrefix("message.") {
                    lines.withLock { $0.append(json) }
                }
            }
            return lines.withLock { $0.joined(separator: "\n") }
        }
        let lead = try await events(.leadCoordinator)
        #expect(lead.contains(world.restrictedMessage.subject) && lead.contains("message.forwardRequested"))
        #expect(!lead.contains("payment courier"), "a feed carried a body")
        let c = try await events(.otherParticipantOfficer)
        #expect(c.contains(world.sharedMessage.subject))
        #expect(!c.contains(world.restrictedMessage.id) && !c.contains(world.restrictedMessage.subject))
        #expect(!c.contains("forwardRequested"))
        #expect(try await events(.observer).isEmpty)
    }

    @Test("an attachment comes back byte for byte, and its hash is what sha256sum prints")
    func attachmentRoundTrip() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let content = (0..<3_500_000).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 13) }
        let file = world.directory.appendingPathComponent("evidence.bin")
        try Data(content).write(to: file)
        let sha256sum = Process()
        sha256sum.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        sha256sum.arguments = [file.path]
        let pipe = Pipe()
        sha256sum.standardOutput = pipe
        try sha256sum.run()
        let printed = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let expected = String(printed.prefix(64))
        try await world.withClient { client in
            let form = MultipartForm(
                message: [
                    "subject": "Disk image index", "body": "Index of the seized disk.", "handling": "H1",
                    "evaluation": "A2", "distribution": "all",
                ], files: [("évidence n°1.bin", "application/octet-stream", content)])
            var headers = TestWorld.headers(.participantOfficer, json: false)
            headers[.contentType] = form.contentType
            let sent = try await client.execute(
                uri: Self.messagesPath(world), method: .post, headers: headers, body: form.body)
            #expect(sent.status == .created, "\(sent.text)")
            let attachment = try #require((sent.object["attachments"] as? [[String: Any]])?.first)
            #expect(attachment["sha256"] as? String == expected)
            #expect(attachment["size"] as? Int == content.count)
            #expect(attachment["fileName"] as? String == "évidence n°1.bin")
            let messageId = try #require(sent.object["id"] as? String)
            let download = try await client.execute(
                uri: Self.messagesPath(world) + "/\(messageId)/attachments/\(attachment["id"] as! String)",
                method: .get, headers: TestWorld.headers(.otherParticipantOfficer))
            #expect(download.status == .ok)
            #expect(Array(download.body.readableBytesView) == content)
            #expect(download.headers[.contentType] == "application/octet-stream")
            #expect(download.headers[.contentDisposition]?.hasPrefix("attachment;") == true)
            #expect(
                download.headers[.contentDisposition]?.contains("filename*=UTF-8''%C3%A9vidence%20n%C2%B01.bin") == true
            )
            #expect(download.headers[.init("Concert-Handling")!]?.contains("NOT FOR JUDICIAL USE") == true)
        }
        // Stored encrypted: the file on disk is not the content.
        let stored = AttachmentVault(settings: world.attachments).location(of: expected)
        let onDisk = try Data(contentsOf: stored)
        #expect(onDisk.count > content.count)
        #expect(onDisk.range(of: Data(content.prefix(4096))) == nil)
    }

    @Test("an upload over the limit gets 413 and stores nothing")
    func oversizedUpload() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let settings = AttachmentSettings.temporary(
            folder: world.directory.appendingPathComponent("small"), sizeLimit: 1 << 20)
        let before = try await world.eventCount()
        let response = try await Application(
            router: buildRouter(store: world.store, configuration: ServerConfiguration(attachments: settings))
        ).test(.router) { client in
            let form = MultipartForm(
                message: [
                    "subject": "Too big", "body": "A large file.", "handling": "H0", "evaluation": "B2",
                    "distribution": "all",
                ],
                files: [
                    ("small.txt", "text/plain", Array("fits".utf8)),
                    ("big.bin", "application/octet-stream", [UInt8](repeating: 7, count: (1 << 20) + 1)),
                ])
            var headers = TestWorld.headers(.participantOfficer, json: false)
            headers[.contentType] = form.contentType
            return try await client.execute(
                uri: Self.messagesPath(world), method: .post, headers: headers, body: form.body)
        }
        #expect(response.status == .contentTooLarge)
        #expect((response.object["detail"] as? String)?.contains("1 MiB") == true, "\(response.text)")
        #expect(try await world.eventCount() == before)
        #expect(Self.storedFiles(settings).isEmpty, "\(Self.storedFiles(settings))")
    }

    @Test("an upload cut off half-way leaves no message and no file")
    func cutOffUpload() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let before = try await world.eventCount()
        let filesBefore = Self.storedFiles(world.attachments)
        let application = Application(
            router: buildRouter(store: world.store, configuration: ServerConfiguration(attachments: world.attachments)),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        let form = MultipartForm(
            message: [
                "subject": "Cut off", "body": "The line drops.", "handling": "H0", "evaluation": "B2",
                "distribution": "all",
            ], files: [("half.bin", "application/octet-stream", [UInt8](repeating: 1, count: 4 << 20))])
        let whole = Array(form.body.readableBytesView)
        try await application.test(.live) { client in
            let port = try #require(client.port)
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(Self.messagesPath(world))")
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(TestWorld.token(for: .participantOfficer))")
            request.headers.add(name: "Content-Type", value: form.contentType)
            struct LineDropped: Error {}
            let pieces = AsyncThrowingStream<ByteBuffer, any Error> { continuation in
                for start in stride(from: 0, to: whole.count / 2, by: 64 << 10) {
                    continuation.yield(ByteBuffer(bytes: whole[start..<min(start + (64 << 10), whole.count / 2)]))
                }
                continuation.finish(throwing: LineDropped())
            }
            request.body = .stream(pieces, length: .known(Int64(whole.count)))
            await #expect(throws: (any Error).self) {
                _ = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            }
            // The server notices the dropped connection on its own time.
            var waited = 0
            while Self.storedFiles(world.attachments) != filesBefore && waited < 100 {
                try await Task.sleep(for: .milliseconds(50))
                waited += 1
            }
        }
        #expect(Self.storedFiles(world.attachments) == filesBefore)
        #expect(try await world.eventCount() == before)
    }

    @Test("a form streamed in pieces of any size arrives whole")
    func streamedInPieces() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let application = Application(
            router: buildRouter(store: world.store, configuration: ServerConfiguration(attachments: world.attachments)),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        // Content that holds most of the boundary, so that a careless reader would split there.
        let content =
            Array("--\r\n--\(MultipartForm.boundary.dropLast())\r\n-".utf8) + Array(repeating: 13, count: 3000)
        try await application.test(.live) { client in
            let port = try #require(client.port)
            for pieceSize in [1, 7, 64, 4096] {
                let form = MultipartForm(
                    message: [
                        "subject": "Pieces of \(pieceSize)", "body": "Streamed.", "handling": "H0", "evaluation": "B2",
                        "distribution": "all",
                    ], files: [("tricky.bin", "application/octet-stream", content)])
                let whole = Array(form.body.readableBytesView)
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(Self.messagesPath(world))")
                request.method = .POST
                request.headers.add(name: "Authorization", value: "Bearer \(TestWorld.token(for: .participantOfficer))")
                request.headers.add(name: "Content-Type", value: form.contentType)
                let pieces = AsyncStream<ByteBuffer> { continuation in
                    for start in stride(from: 0, to: whole.count, by: pieceSize) {
                        continuation.yield(ByteBuffer(bytes: whole[start..<min(start + pieceSize, whole.count)]))
                    }
                    continuation.finish()
                }
                request.body = .stream(pieces, length: .known(Int64(whole.count)))
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
                let body = try await response.body.collect(upTo: 1 << 20)
                #expect(response.status == .created, "\(String(buffer: body))")
                let object = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]
                let attachment = try #require((object?["attachments"] as? [[String: Any]])?.first)
                #expect(attachment["size"] as? Int == content.count, "pieces of \(pieceSize)")
            }
        }
    }

    @Test("a file altered on disk is refused with a clear error, and the refusal is audited")
    func tamperedFile() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let sha = world.sharedMessage.sha256
        let stored = AttachmentVault(settings: world.attachments).location(of: sha)
        var bytes = try Data(contentsOf: stored)
        bytes[bytes.count - 20] ^= 0x01
        try bytes.write(to: stored)
        let response = try await world.withClient { client in
            try await client.execute(
                uri: Self.messagesPath(world)
                    + "/\(world.sharedMessage.id)/attachments/\(world.sharedMessage.attachmentId)",
                method: .get, headers: TestWorld.headers(.otherParticipantOfficer))
        }
        #expect(response.status == .conflict)
        #expect(response.headers[.contentType] == "application/problem+json")
        let detail = try #require(response.object["detail"] as? String)
        #expect(detail.contains("damaged") && detail.contains(sha), "\(detail)")
        let events = try await world.store.events(operationId: world.operation.id, after: 0, limit: 10_000)
        #expect(events.allSatisfy { $0.kind != "audit.attachmentRead" })
        // Audit reads sit outside the operation's sequence; the chain holds them.
        #expect(try await world.store.verifyAuditChain().isIntact)
    }

    @Test("H2: passing on needs the originator's permission, and both steps are events")
    func forwardingH2() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let detail = Self.messagesPath(world) + "/\(world.restrictedMessage.id)"
        try await world.withClient { client in
            // The lead's request (made with the world) waits: C still cannot read the message.
            let beforeGrant = try await client.execute(
                uri: detail, method: .get, headers: TestWorld.headers(.otherParticipantOfficer))
            #expect(beforeGrant.status == .notFound)
            // A recipient cannot grant its own request; C cannot ask for what it cannot see.
            let byLead = try await client.execute(
                uri: detail + "/forwards/\(world.forwardRequestId)/decision", method: .post,
                headers: TestWorld.headers(.leadCoordinator), body: .json(["grant": true]))
            #expect(byLead.status == .forbidden)
            let byC = try await client.execute(
                uri: detail + "/forwards", method: .post, headers: TestWorld.headers(.otherParticipantOfficer),
                body: .json(["agencyId": world.partC.id]))
            #expect(byC.status == .notFound)
            let granted = try await client.execute(
                uri: detail + "/forwards/\(world.forwardRequestId)/decision", method: .post,
                headers: TestWorld.headers(.participantOfficer), body: .json(["grant": true]))
            #expect(granted.status == .ok)
            #expect(granted.object["status"] as? String == "granted")
            let again = try await client.execute(
                uri: detail + "/forwards/\(world.forwardRequestId)/decision", method: .post,
                headers: TestWorld.headers(.participantOfficer), body: .json(["grant": false]))
            #expect(again.status == .conflict)
            let afterGrant = try await client.execute(
                uri: detail, method: .get, headers: TestWorld.headers(.otherParticipantOfficer))
            #expect(afterGrant.status == .ok)
            #expect(afterGrant.object["body"] as? String == "The source names the payment courier.")
            let listC = try await client.execute(
                uri: Self.messagesPath(world), method: .get, headers: TestWorld.headers(.otherParticipantOfficer))
            #expect(Self.ids(listC).contains(world.restrictedMessage.id))
        }
        let kinds = try await world.store.events(operationId: world.operation.id, after: 0, limit: 10_000).map(\.kind)
        #expect(kinds.contains("message.forwardRequested") && kinds.contains("message.forwardGranted"))
    }

    @Test("a refused request leaves the message where it was; H0 passes on without asking")
    func forwardingRefusedAndH0() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        try await world.withClient { client in
            let detail = Self.messagesPath(world) + "/\(world.restrictedMessage.id)"
            let refused = try await client.execute(
                uri: detail + "/forwards/\(world.forwardRequestId)/decision", method: .post,
                headers: TestWorld.headers(.participantOfficer), body: .json(["grant": false]))
            #expect(refused.object["status"] as? String == "refused")
            let stillHidden = try await client.execute(
                uri: detail, method: .get, headers: TestWorld.headers(.otherParticipantOfficer))
            #expect(stillHidden.status == .notFound)
            // An H0 message from B to the lead only: the lead passes it on to C at once.
            let h0 = try await Self.post(
                [
                    "subject": "Hosting invoices", "body": "Invoices attached later.", "handling": "H0",
                    "evaluation": "B2", "distribution": [world.lead.id],
                ], as: .participantOfficer, in: world, client: client)
            let id = try #require(h0.object["id"] as? String)
            let forwarded = try await client.execute(
                uri: Self.messagesPath(world) + "/\(id)/forwards", method: .post,
                headers: TestWorld.headers(.leadCoordinator), body: .json(["agencyId": world.partC.id]))
            #expect(forwarded.status == .created)
            #expect(forwarded.object["status"] as? String == "granted")
            let read = try await client.execute(
                uri: Self.messagesPath(world) + "/\(id)", method: .get,
                headers: TestWorld.headers(.otherParticipantOfficer))
            #expect(read.status == .ok)
        }
        let kinds = try await world.store.events(operationId: world.operation.id, after: 0, limit: 10_000).map(\.kind)
        #expect(kinds.contains("message.forwardRefused") && kinds.contains("message.forwarded"))
    }

    @Test("every read of a body or a file is in the audit chain, which still verifies")
    func readsAreAudited() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let before = try await world.eventCount()
        try await world.withClient { client in
            let base = Self.messagesPath(world) + "/\(world.sharedMessage.id)"
            for uri in [base, base + "/attachments/\(world.sharedMessage.attachmentId)", base + "/markdown"] {
                let response = try await client.execute(
                    uri: uri, method: .get, headers: TestWorld.headers(.otherParticipantOfficer))
                #expect(response.status == .ok, "\(uri)")
            }
        }
        let verification = try await world.store.verifyAuditChain()
        #expect(verification.isIntact)
        #expect(verification.eventsChecked == before + 3)
        let reads = try await world.store.events(after: Int64(before), limit: 100)
        #expect(reads.map(\.kind) == ["audit.messageRead", "audit.attachmentRead", "audit.messageExported"])
        #expect(reads.allSatisfy { $0.actorUserId == world.users[.otherParticipantOfficer]!.id })
        #expect(reads.allSatisfy { $0.payload.contains(world.sharedMessage.id) })
    }

    @Test("recipients acknowledge once; the originator sees who has not, and late ones are flagged")
    func acknowledgements() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let settings = AttachmentSettings.temporary(folder: world.attachments.folder, acknowledgementDue: 0)
        try await Application(
            router: buildRouter(store: world.store, configuration: ServerConfiguration(attachments: settings))
        ).test(.router) { client in
            let path = Self.messagesPath(world) + "/\(world.sharedMessage.id)"
            let first = try await client.execute(
                uri: path + "/acknowledgements", method: .post, headers: TestWorld.headers(.otherParticipantOfficer))
            #expect(first.status == .created)
            let second = try await client.execute(
                uri: path + "/acknowledgements", method: .post, headers: TestWorld.headers(.otherParticipantOfficer))
            #expect(second.status == .ok)
            let own = try await client.execute(
                uri: path + "/acknowledgements", method: .post, headers: TestWorld.headers(.participantOfficer))
            #expect(own.status == .conflict)
            let forB = try await client.execute(
                uri: path, method: .get, headers: TestWorld.headers(.participantOfficer))
            #expect(forB.object["awaitingAcknowledgement"] as? [String] == [world.lead.id])
            #expect(forB.object["overdue"] as? Bool == true)
            #expect((forB.object["acknowledgements"] as? [Any])?.count == 1)
            let forC = try await client.execute(
                uri: path, method: .get, headers: TestWorld.headers(.otherParticipantOfficer))
            #expect(forC.object["acknowledgedByMyAgency"] as? Bool == true)
            #expect(forC.object["awaitingAcknowledgement"] == nil)
            let inboxB = try await client.execute(
                uri: Self.messagesPath(world), method: .get, headers: TestWorld.headers(.participantOfficer))
            #expect(inboxB.object["overdue"] as? Int == 2)
            let inboxC = try await client.execute(
                uri: Self.messagesPath(world), method: .get, headers: TestWorld.headers(.otherParticipantOfficer))
            #expect(inboxC.object["unacknowledged"] as? Int == 0)
            #expect(inboxC.object["unread"] as? Int == 0)
        }
        let kinds = try await world.store.events(operationId: world.operation.id, after: 0, limit: 10_000).map(\.kind)
        #expect(kinds.filter { $0 == "message.acknowledged" }.count == 1)
    }

    @Test("replies stay within what they answer; only the originator corrects; H1 is marked in exports")
    func rulesOfWriting() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let before = try await world.eventCount()
        try await world.withClient { client in
            let widening = try await Self.post(
                [
                    "subject": "Re", "body": "To everyone", "handling": "H0", "evaluation": "B2", "distribution": "all",
                    "replyTo": world.restrictedMessage.id,
                ], as: .leadCoordinator, in: world, client: client)
            #expect(widening.status == .unprocessableContent)
            #expect(widening.object["field"] as? String == "distribution")
            let notOwn = try await Self.post(
                [
                    "subject": "Correction", "body": "Fixed", "handling": "H0", "evaluation": "B2",
                    "distribution": "all",
                    "corrects": world.sharedMessage.id,
                ], as: .leadCoordinator, in: world, client: client)
            #expect(notOwn.status == .unprocessableContent)
            #expect(notOwn.object["field"] as? String == "corrects")
            let unreadable = try await Self.post(
                [
                    "subject": "Re", "body": "?", "handling": "H0", "evaluation": "B2", "distribution": "all",
                    "replyTo": world.restrictedMessage.id,
                ], as: .otherParticipantOfficer, in: world, client: client)
            #expect(unreadable.status == .unprocessableContent)
            #expect(unreadable.object["field"] as? String == "replyTo")
            let hiddenTarget = try await Self.post(
                [
                    "subject": "About", "body": "?", "handling": "H0", "evaluation": "B2", "distribution": "all",
                    "targets": [world.restrictedTarget.id],
                ], as: .otherParticipantOfficer, in: world, client: client)
            #expect(hiddenTarget.object["field"] as? String == "targets[0]")
            let noHandling = try await Self.post(
                ["subject": "About", "body": "?", "evaluation": "B2", "distribution": "all"],
                as: .otherParticipantOfficer, in: world, client: client)
            #expect(noHandling.status == .unprocessableContent)
            let noMessagePart = MultipartForm(message: nil, files: [("a.txt", "text/plain", [1, 2, 3])])
            var headers = TestWorld.headers(.participantOfficer, json: false)
            headers[.contentType] = noMessagePart.contentType
            let formWithoutMessage = try await client.execute(
                uri: Self.messagesPath(world), method: .post, headers: headers, body: noMessagePart.body)
            #expect(formWithoutMessage.status == .unprocessableContent)
        }
        #expect(try await world.eventCount() == before)
        try await world.withClient { client in
            let correction = try await Self.post(
                [
                    "subject": "Correction: briefing", "body": "Three disks per server, not two.", "handling": "H1",
                    "evaluation": "B2", "distribution": "all", "corrects": world.sharedMessage.id,
                ], as: .participantOfficer, in: world, client: client)
            #expect(correction.status == .created)
            #expect(correction.object["replyTo"] as? String == world.sharedMessage.id)
            #expect(correction.object["threadId"] as? String == world.sharedMessage.id)
            let id = try #require(correction.object["id"] as? String)
            let markdown = try await client.execute(
                uri: Self.messagesPath(world) + "/\(id)/markdown", method: .get,
                headers: TestWorld.headers(.otherParticipantOfficer))
            #expect(markdown.text.hasPrefix("**NOT FOR JUDICIAL USE"))
            #expect(markdown.text.contains("Three disks per server"))
        }
    }
}
