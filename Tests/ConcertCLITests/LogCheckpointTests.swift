import ConcertCore
import ConcertServer
import ConcertStorage
import Foundation
import GRDB
import Testing

/// The attacks the hash chain alone misses, tried as an operator with the database (but not the
/// log key) would: rewrite an event and compute every later hash and the tree again, or remove
/// the newest events and move the head back. The chain then verifies; a checkpoint signed before
/// does not.
@Suite("Signed checkpoints against a rewritten log", .serialized)
struct LogCheckpointTests {
    /// A demo database with a log key beside it, where `concert audit verify` finds it.
    static func signedDemo() async throws -> (folder: URL, path: String, signer: LogSigner) {
        let (folder, path) = try await AuditChainTests.demoDatabase()
        let key = LogSigner.newKeyText()
        try Data((key + "\n").utf8).write(to: URL(fileURLWithPath: path + ".log-key"))
        return (folder, path, try LogSigner(base64: key))
    }

    /// A witness's state holding a checkpoint of every size from 1 to the log's, as a witness
    /// that ran after each event would; and a signed note of the whole log alone.
    static func checkpoints(
        of path: String, signer: LogSigner, in folder: URL
    ) async throws -> (
        state: String, note: String, size: Int64
    ) {
        let store = try SQLiteStore(path: path)
        let size = try await store.treeHead().size
        var kept: [[String: Any]] = []
        var last = ""
        for treeSize in 1...size {
            let root = try await store.treeRoot(size: treeSize)
            let time = ConcertJSON.now()
            last = try signer.sign(size: treeSize, root: root, time: time)
            kept.append([
                "size": treeSize, "rootHash": Hex.string(root), "time": ConcertJSON.formatTimestamp(time), "note": last,
            ])
        }
        let state = folder.appendingPathComponent("witness.json").path
        try JSONSerialization.data(withJSONObject: ["verifierKey": signer.verifierKey.text, "checkpoints": kept])
            .write(to: URL(fileURLWithPath: state))
        let note = folder.appendingPathComponent("checkpoint.note").path
        try Data(last.utf8).write(to: URL(fileURLWithPath: note))
        return (state, note, size)
    }

    /// Rewrites event `sequence` and every hash after it, throws the tree and the kept
    /// checkpoints away (the store builds the tree again when it opens): all an operator with
    /// the database can do.
    static func rewrite(_ path: String, event sequence: Int64) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(
                sql: "UPDATE event SET payload = replace(payload, 'a', 'o') WHERE sequence = ?", arguments: [sequence])
            var previous = try String.fetchOne(
                db, sql: "SELECT hash FROM event WHERE sequence = ?", arguments: [sequence - 1])!
            for row in try Row.fetchAll(
                db, sql: "SELECT * FROM event WHERE sequence >= ? ORDER BY sequence", arguments: [sequence])
            {
                let hash = EventChain.hash(
                    previousHash: previous, sequence: row["sequence"], operationId: row["operation_id"],
                    operationSequence: row["operation_sequence"], actorUserId: row["actor_user_id"],
                    actorAgencyId: row["actor_agency_id"], kind: row["kind"], payload: row["payload"],
                    recordedAt: row["recorded_at"])
                try db.execute(
                    sql: "UPDATE event SET previous_hash = ?, hash = ? WHERE sequence = ?",
                    arguments: [previous, hash, row["sequence"] as Int64])
                previous = hash
            }
            try db.execute(sql: "UPDATE chain_head SET hash = ?", arguments: [previous])
            try Self.forgetTree(db)
        }
    }

    /// Removes the newest `count` events and moves the chain's head back to the one before.
    static func truncate(_ path: String, removing count: Int64) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            let last = try Int64.fetchOne(db, sql: "SELECT MAX(sequence) FROM event")!
            try db.execute(sql: "DELETE FROM event WHERE sequence > ?", arguments: [last - count])
            try db.execute(
                sql: """
                    UPDATE chain_head SET sequence = (SELECT MAX(sequence) FROM event),
                        hash = (SELECT hash FROM event ORDER BY sequence DESC LIMIT 1)
                    """)
            try Self.forgetTree(db)
        }
    }

    static func forgetTree(_ db: Database) throws {
        try db.execute(
            sql: """
                DELETE FROM log_node; DELETE FROM log_checkpoint;
                UPDATE chain_head SET tree_size = 0, tree_frontier = '';
                """)
    }

    @Test("an event rewritten with every later hash passes the chain, and fails a checkpoint taken before, named")
    func rewrittenEvent() async throws {
        let (folder, path, signer) = try await Self.signedDemo()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (state, note, size) = try await Self.checkpoints(of: path, signer: signer, in: folder)
        try Self.rewrite(path, event: 120)
        // Opening the store builds the tree again over the rewritten log: it holds together.
        _ = try SQLiteStore(path: path)
        let chainOnly = try ConcertExecutable.run(["audit", "verify", "--database", path])
        #expect(chainOnly.status == 0, "the attack is one the chain alone misses: \(chainOnly.errors)")

        let againstWitness = try ConcertExecutable.run(["audit", "verify", "--database", path, "--checkpoint", state])
        #expect(againstWitness.status != 0)
        #expect(againstWitness.errors.contains("event #120 differs"), "\(againstWitness.errors)")

        // One checkpoint alone shows the rewrite, and where it may lie.
        let againstNote = try ConcertExecutable.run(["audit", "verify", "--database", path, "--checkpoint", note])
        #expect(againstNote.status != 0)
        #expect(againstNote.errors.contains("among #1 to #\(size)"), "\(againstNote.errors)")
    }

    @Test("removing the newest events and moving the head back fails a checkpoint taken before, naming them")
    func truncatedLog() async throws {
        let (folder, path, signer) = try await Self.signedDemo()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (_, note, size) = try await Self.checkpoints(of: path, signer: signer, in: folder)
        try Self.truncate(path, removing: 5)
        _ = try SQLiteStore(path: path)
        #expect(try ConcertExecutable.run(["audit", "verify", "--database", path]).status == 0)
        let result = try ConcertExecutable.run(["audit", "verify", "--database", path, "--checkpoint", note])
        #expect(result.status != 0)
        #expect(result.errors.contains("events #\(size - 4) to #\(size) are missing"), "\(result.errors)")
    }

    @Test("a checkpoint signed by another key, or altered, is refused")
    func foreignCheckpoint() async throws {
        let (folder, path, signer) = try await Self.signedDemo()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (_, note, _) = try await Self.checkpoints(of: path, signer: signer, in: folder)
        let text = try String(contentsOfFile: note, encoding: .utf8)
        // The size raised by one: the signature no longer holds.
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let altered = ([lines[0], Substring(String(Int(lines[1])! + 1))] + lines.dropFirst(2)).joined(separator: "\n")
        try Data(altered.utf8).write(to: URL(fileURLWithPath: note))
        let result = try ConcertExecutable.run(["audit", "verify", "--database", path, "--checkpoint", note])
        #expect(result.status != 0)
        #expect(result.errors.contains("not valid"), "\(result.errors)")
    }

    @Test("a server given another log key than the one its installation signs with is refused at start")
    func anotherKeyIsRefused() async throws {
        let (folder, path, signer) = try await Self.signedDemo()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteStore(path: path)
        let head = try await store.treeHead()
        let time = ConcertJSON.now()
        _ = try await store.storeCheckpoint(
            StoredCheckpoint(
                size: head.size, rootHex: Hex.string(head.root), signedAt: ConcertJSON.formatTimestamp(time),
                note: try signer.sign(size: head.size, root: head.root, time: time)))
        let other = folder.appendingPathComponent("other.log-key").path
        try LogSigner.newKeyText().write(toFile: other, atomically: true, encoding: .utf8)
        // An address that is none: a server past the key's check stops there instead of serving.
        for command in ["serve", "demo"] {
            let refused = try ConcertExecutable.run(
                [command, "--database", path, "--log-key-file", other, "--listen", "nowhere"])
            #expect(refused.status != 0)
            #expect(refused.errors.contains("signed with another key"), "\(refused.errors)")
            #expect(refused.errors.contains("--log-key-file"))
            let accepted = try ConcertExecutable.run(
                [command, "--database", path, "--log-key-file", path + ".log-key", "--listen", "nowhere"])
            #expect(accepted.errors.contains("is not HOST:PORT"), "\(accepted.errors)")
        }
    }

    @Test("a witness accepts a growing log, and fails on the first checkpoint after a rewrite")
    func witness() async throws {
        let first = try DemoProcess()
        #expect(try await first.waitUntilHealthy(seconds: 60))
        let path = first.folder.appendingPathComponent("concert-demo.sqlite").path
        let state = first.folder.appendingPathComponent("witness.json").path
        let server = "http://127.0.0.1:\(first.port)"
        let environment = ["CONCERT_PASSWORD": DemoSeeder.password]
        func witness(_ url: String) throws -> (status: Int32, output: String, errors: String) {
            try ConcertExecutable.run(
                ["audit", "witness", "--server", url, "--state", state, "--user", "de-officer"],
                environment: environment)
        }
        let trusted = try witness(server)
        #expect(trusted.status == 0, "\(trusted.errors)")
        #expect(trusted.output.contains("trusting the log key"))
        // Each sign-in adds an event: the next checkpoint is larger, and extends the one kept.
        try await Task.sleep(for: .milliseconds(600))
        let extended = try witness(server)
        #expect(extended.status == 0, "\(extended.errors)")
        #expect(extended.output.contains("it extends the one of"), "\(extended.output)")

        first.process.terminate()
        first.process.waitUntilExit()
        try Self.rewrite(path, event: 60)
        let second = try DemoProcess(arguments: [
            "--database", path, "--log-key-file", path + ".log-key",
        ])
        #expect(try await second.waitUntilHealthy(seconds: 60))
        let refused = try witness("http://127.0.0.1:\(second.port)")
        #expect(refused.status != 0)
        #expect(refused.errors.contains("does not extend"), "\(refused.errors)")
        #expect(refused.errors.contains("the log was rewritten"), "\(refused.errors)")
    }
}
