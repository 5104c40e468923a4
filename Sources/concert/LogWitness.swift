import ArgumentParser
import AsyncHTTPClient
import ConcertCore
import ConcertStorage
import Foundation
import NIOCore

/// What a witness keeps between runs: the log key it trusts and the checkpoints it verified,
/// oldest first. `concert audit verify --checkpoint` reads it too.
struct WitnessState: Codable {
    struct Kept: Codable {
        var size: Int64
        var rootHash: String
        var time: String
        /// The signed note, so that the state proves what the log signed.
        var note: String
    }

    var server: String?
    var verifierKey: String
    var checkpoints: [Kept]

    /// The most checkpoints kept: the newest, so that a state file stays small.
    static let limit = 10_000
}

/// The signed checkpoints a file holds, and the key they are signed with if the file names it:
/// a witness's state, the JSON of `GET /api/v1/log/checkpoint`, or a signed note.
struct CheckpointFile {
    var notes: [String]
    var verifierKey: String?

    init(path: String) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ValidationError("Cannot read the checkpoint file '\(path)'.")
        }
        if text.first == "{" {
            struct Single: Decodable {
                var note: String
                var verifierKey: String?
            }
            let data = Data(text.utf8)
            if let state = try? JSONDecoder().decode(WitnessState.self, from: data) {
                notes = state.checkpoints.map(\.note)
                verifierKey = state.verifierKey
            } else if let single = try? JSONDecoder().decode(Single.self, from: data) {
                notes = [single.note]
                verifierKey = single.verifierKey
            } else {
                throw ValidationError(
                    "'\(path)' is JSON but neither a witness's state nor a checkpoint from /api/v1/log/checkpoint.")
            }
        } else {
            notes = [text]
        }
    }
}

/// `concert audit witness`: checks the newest checkpoint of a server's log against the last
/// one this witness kept, and keeps it.
struct Witness: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Fetch a server's newest log checkpoint, check its signature and that it extends the last one kept in the state file, and keep it; exits non-zero naming what is wrong.",
        discussion: """
            Signs in with CONCERT_TOKEN (a session token), or with --user and the password in \
            CONCERT_PASSWORD. The log's key is trusted on first use unless --verifier-key names it; \
            from then on the state file holds it.
            """)

    @Option(help: ArgumentHelp("The Concert server, such as https://concert.example.org.", valueName: "url"))
    var server: String
    @Option(help: ArgumentHelp("Where the witness keeps what it verified (JSON).", valueName: "file"))
    var state: String
    @Option(help: ArgumentHelp("The log's verifier key, to trust nothing on first use.", valueName: "key"))
    var verifierKey: String?
    @Option(help: ArgumentHelp("Sign in as this user; the password comes from CONCERT_PASSWORD.", valueName: "name"))
    var user: String?

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    func run() async throws {
        do {
            let message = try await witness()
            print(message)
        } catch let failure as Failure {
            var standardError = FileHandle.standardError
            print("Witness FAILED: \(failure.description)", to: &standardError)
            throw ExitCode(1)
        }
    }

    /// Checks and keeps the newest checkpoint; the sentence to print, or a ``Failure``.
    func witness() async throws -> String {
        var kept: WitnessState?
        if FileManager.default.fileExists(atPath: state) {
            guard let data = FileManager.default.contents(atPath: state),
                let decoded = try? JSONDecoder().decode(WitnessState.self, from: data)
            else { throw Failure(description: "the state file '\(state)' is not a witness's state.") }
            kept = decoded
        }
        let pinned = kept?.verifierKey ?? verifierKey
        if let pinned, let given = verifierKey, given != pinned {
            throw Failure(description: "--verifier-key differs from the key the state file holds.")
        }
        let api = APIClient(client: HTTPClient.shared, server: server)
        let token = try await api.signIn(user: user)

        struct CheckpointJSON: Decodable {
            var verifierKey: String
            var note: String
        }
        let newest = try await api.get(CheckpointJSON.self, "/api/v1/log/checkpoint", token: token)
        let keyText = pinned ?? newest.verifierKey
        guard let key = LogVerifierKey(text: keyText) else {
            throw Failure(description: "'\(keyText)' is not a log verifier key.")
        }
        if newest.verifierKey != keyText {
            throw Failure(
                description:
                    "the server signs with the key \(newest.verifierKey), not with \(keyText), which the witness trusts."
            )
        }
        let checkpoint: LogCheckpoint
        do {
            checkpoint = try key.open(newest.note)
        } catch let error as CheckpointError {
            throw Failure(description: error.description)
        }
        var note = "Checkpoint of \(checkpoint.size) events verified"
        if let last = kept?.checkpoints.last {
            guard let lastCheckpoint = try? key.open(last.note) else {
                throw Failure(
                    description:
                        "the last checkpoint in the state file '\(state)' carries no valid signature: the file was altered."
                )
            }
            let signed = ConcertJSON.formatTimestamp(checkpoint.time)
            if checkpoint.size < lastCheckpoint.size {
                throw Failure(
                    description:
                        "the newest checkpoint (\(checkpoint.size) events, signed \(signed)) holds fewer events than the \(lastCheckpoint.size) of the one kept: the log lost events #\(checkpoint.size + 1) to #\(lastCheckpoint.size)."
                )
            }
            struct ConsistencyJSON: Decodable {
                var proof: [String]
            }
            let proof = try await api.get(
                ConsistencyJSON.self, "/api/v1/log/consistency?from=\(lastCheckpoint.size)&to=\(checkpoint.size)",
                token: token
            ).proof.compactMap(LogTree.bytes(hex:))
            guard
                LogTree.verifyConsistency(
                    old: lastCheckpoint.size, oldRoot: lastCheckpoint.root, new: checkpoint.size,
                    newRoot: checkpoint.root, proof: proof)
            else {
                throw Failure(
                    description:
                        "the newest checkpoint (\(checkpoint.size) events, signed \(signed)) does not extend the one of \(lastCheckpoint.size) events kept (signed \(last.time)): the log was rewritten."
                )
            }
            note += ": it extends the one of \(lastCheckpoint.size) events kept"
        } else if pinned == nil {
            note += " (trusting the log key \(keyText) from now on)"
        }
        var updated = kept ?? WitnessState(server: server, verifierKey: keyText, checkpoints: [])
        if updated.checkpoints.last?.size != checkpoint.size {
            updated.checkpoints.append(
                .init(
                    size: checkpoint.size, rootHash: checkpoint.rootHex,
                    time: ConcertJSON.formatTimestamp(checkpoint.time), note: newest.note))
            updated.checkpoints = Array(updated.checkpoints.suffix(WitnessState.limit))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try encoder.encode(updated).write(to: URL(fileURLWithPath: state), options: .atomic)
        } catch {
            throw Failure(description: "cannot write the state file '\(state)': \(error.localizedDescription)")
        }
        return note + "."
    }
}

/// The part of a problem detail the witness prints.
private struct Problem: Decodable {
    var detail: String?
}

/// The few calls the witness makes to a Concert server.
struct APIClient {
    let client: HTTPClient
    let server: String

    /// A session token: CONCERT_TOKEN, or a sign-in as `user` with CONCERT_PASSWORD.
    func signIn(user: String?) async throws -> String {
        let environment = ProcessInfo.processInfo.environment
        guard let user else {
            guard let token = environment["CONCERT_TOKEN"], !token.isEmpty else {
                throw Witness.Failure(
                    description:
                        "give a session token in CONCERT_TOKEN, or --user with the password in CONCERT_PASSWORD.")
            }
            return token
        }
        guard let password = environment["CONCERT_PASSWORD"] else {
            throw Witness.Failure(description: "--user needs the password in CONCERT_PASSWORD.")
        }
        struct Credentials: Encodable {
            var username: String
            var password: String
        }
        struct Session: Decodable {
            var token: String
        }
        var request = HTTPClientRequest(url: server.trimmingSlash + "/api/v1/sessions")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(
            ByteBuffer(data: try JSONEncoder().encode(Credentials(username: user, password: password))))
        return try await send(request, as: Session.self).token
    }

    func get<Answer: Decodable>(_ type: Answer.Type, _ path: String, token: String) async throws -> Answer {
        var request = HTTPClientRequest(url: server.trimmingSlash + path)
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        return try await send(request, as: type)
    }

    private func send<Answer: Decodable>(_ request: HTTPClientRequest, as type: Answer.Type) async throws -> Answer {
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await client.execute(request, timeout: .seconds(30))
            body = try await response.body.collect(upTo: 16 << 20)
        } catch {
            throw Witness.Failure(description: "cannot reach \(request.url): \(error)")
        }
        let data = Data(buffer: body)
        guard (200..<300).contains(response.status.code) else {
            let detail = (try? JSONDecoder().decode(Problem.self, from: data))?.detail ?? ""
            throw Witness.Failure(description: "\(request.url) answered \(response.status.code). \(detail)")
        }
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw Witness.Failure(description: "\(request.url) did not answer what a Concert server answers.")
        }
    }
}

extension String {
    fileprivate var trimmingSlash: String { hasSuffix("/") ? String(dropLast()) : self }
}
