import ArgumentParser
import ConcertCore
import ConcertServer
import ConcertStorage
import Foundation
import Logging
import NIOSSL

/// Where the database is: a flag, else `CONCERT_DATABASE_URL`, else a default file.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Database: a SQLite file path, sqlite:PATH, or postgres://user:password@host:port/database. Falls back to CONCERT_DATABASE_URL.",
            valueName: "location"))
    var database: String?

    func location(default defaultLocation: String) -> String {
        database ?? ProcessInfo.processInfo.environment["CONCERT_DATABASE_URL"] ?? defaultLocation
    }

    func openStore(default defaultLocation: String) async throws -> any Store {
        do {
            return try await StoreFactory.open(location(default: defaultLocation))
        } catch {
            throw ValidationError("\(error)")
        }
    }
}

/// Where the server listens: a flag, else `CONCERT_LISTEN`, else 127.0.0.1:8080.
struct ListenOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp("Address to listen on, HOST:PORT. Falls back to CONCERT_LISTEN.", valueName: "host:port"))
    var listen: String?

    @Flag(
        name: .long,
        help:
            "Send the session cookie without the Secure attribute (only behind a TLS-terminating proxy that rewrites it, or for tests over plain HTTP from another host)."
    )
    var insecureCookies = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Client addresses or CIDR blocks that may read /metrics, comma-separated (default loopback: 127.0.0.0/8,::1). Falls back to CONCERT_METRICS_ALLOW.",
            valueName: "blocks"))
    var metricsAllow: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "How the server logs: 'text' (default) or 'json', one JSON object a line with the request id of each request's lines. Falls back to CONCERT_LOG_FORMAT.",
            valueName: "format"))
    var logFormat: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "PEM certificate chain to serve HTTPS and HTTP/2 with (the server's certificate first). Falls back to CONCERT_TLS_CERTIFICATE.",
            valueName: "file"))
    var tlsCertificate: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "PEM private key of --tls-certificate. Falls back to CONCERT_TLS_KEY.", valueName: "file"))
    var tlsKey: String?

    @Flag(
        name: .long,
        help:
            "Serve HTTPS with a self-signed certificate, made once and kept next to the database (DATABASE-tls.pem): for a demo or a trial, never for real users."
    )
    var tlsSelfSigned = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Minutes a session lasts unused (default 60; each request, or an open live board, extends it), up to 12 hours after signing in. Falls back to CONCERT_SESSION_IDLE_MINUTES.",
            valueName: "minutes"))
    var sessionIdleMinutes: Int?

    @Flag(
        name: .customLong("require-2fa"),
        help:
            "Every user signs in with a second factor (TOTP); those without one must set it up before anything else. Falls back to CONCERT_REQUIRE_2FA=1."
    )
    var requireSecondFactor = false

    /// The idle time the options set, in seconds.
    func sessionIdleTimeout() throws -> TimeInterval {
        let text =
            sessionIdleMinutes.map(String.init) ?? ProcessInfo.processInfo.environment["CONCERT_SESSION_IDLE_MINUTES"]
        guard let text else { return 3600 }
        guard let minutes = Int(text), (1...720).contains(minutes) else {
            throw ValidationError(
                "--session-idle-minutes must be a whole number of minutes from 1 to 720, not '\(text)'.")
        }
        return TimeInterval(minutes * 60)
    }

    func validate() throws {
        _ = try sessionIdleTimeout()
        _ = try metricsAllowed()
        _ = try format()
        let environment = ProcessInfo.processInfo.environment
        let certificate = tlsCertificate ?? environment["CONCERT_TLS_CERTIFICATE"]
        let key = tlsKey ?? environment["CONCERT_TLS_KEY"]
        if (certificate == nil) != (key == nil) {
            throw ValidationError("Name both --tls-certificate and --tls-key, or neither.")
        }
        if tlsSelfSigned && certificate != nil {
            throw ValidationError(
                "--tls-self-signed makes its own certificate: leave out --tls-certificate and --tls-key.")
        }
    }

    /// The TLS configuration the options ask for, and a line telling the user about it; nil
    /// for plain HTTP. A self-signed certificate is kept at `DATABASE-tls.pem` and `-tls-key.pem`.
    func tls(databaseLocation: String, host: String) throws -> (TLSConfiguration, note: String)? {
        let environment = ProcessInfo.processInfo.environment
        do {
            if tlsSelfSigned {
                let base = StoreFactory.sqlitePath(databaseLocation) ?? "concert"
                let certificate = base + "-tls.pem"
                let key = base + "-tls-key.pem"
                let fingerprint = try TLSFiles.selfSigned(certificate: certificate, key: key, hosts: [host])
                return (
                    try TLSFiles.configuration(certificate: certificate, key: key),
                    "Self-signed certificate \(certificate), SHA-256 \(fingerprint): your browser will warn; compare the fingerprint."
                )
            }
            guard let certificate = tlsCertificate ?? environment["CONCERT_TLS_CERTIFICATE"],
                let key = tlsKey ?? environment["CONCERT_TLS_KEY"]
            else { return nil }
            return (
                try TLSFiles.configuration(certificate: certificate, key: key),
                "TLS certificate \(certificate), SHA-256 \(try TLSFiles.fingerprint(ofCertificateAt: certificate))"
            )
        } catch let problem as TLSFiles.Problem {
            throw ValidationError(problem.description)
        }
    }

    /// The blocks `/metrics` answers.
    func metricsAllowed() throws -> [CIDRBlock] {
        guard let text = metricsAllow ?? ProcessInfo.processInfo.environment["CONCERT_METRICS_ALLOW"] else {
            return ServerConfiguration.loopback
        }
        var blocks: [CIDRBlock] = []
        for item in text.split(separator: ",") {
            let trimmed = item.trimmingCharacters(in: .whitespaces)
            guard let block = CIDRBlock(trimmed) else {
                throw ValidationError(
                    "'\(trimmed)' in --metrics-allow is not an address or CIDR block, such as 10.0.0.0/24 or ::1.")
            }
            blocks.append(block)
        }
        guard !blocks.isEmpty else {
            throw ValidationError("--metrics-allow names no address; leave it out to allow loopback only.")
        }
        return blocks
    }

    /// The log's format.
    func format() throws -> LogFormat {
        let text = logFormat ?? ProcessInfo.processInfo.environment["CONCERT_LOG_FORMAT"] ?? "text"
        guard let format = LogFormat(rawValue: text) else {
            throw ValidationError("--log-format must be 'text' or 'json', not '\(text)'.")
        }
        return format
    }

    /// Sets up the process's logging in the chosen format; before anything logs.
    func bootstrapLogging() throws {
        let format = try format()
        let level = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        switch format {
        case .text:
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardOutput(label: label)
                handler.logLevel = level
                return handler
            }
        case .json:
            LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
        }
    }

    func configuration() throws -> ServerConfiguration {
        let text = listen ?? ProcessInfo.processInfo.environment["CONCERT_LISTEN"] ?? "127.0.0.1:8080"
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65_535).contains(port)
        else {
            throw ValidationError("'\(text)' is not HOST:PORT, such as 127.0.0.1:8080.")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        var configuration = ServerConfiguration(
            host: host.isEmpty ? "127.0.0.1" : host, port: port, secureCookies: !insecureCookies)
        configuration.metricsAllowed = try metricsAllowed()
        configuration.sessionIdleTimeout = try sessionIdleTimeout()
        configuration.requireSecondFactor =
            requireSecondFactor || ProcessInfo.processInfo.environment["CONCERT_REQUIRE_2FA"] == "1"
        // An access line a request is for the operator's log collector, not a terminal.
        configuration.logsRequests = try format() == .json
        return configuration
    }
}

/// Where message attachments are kept and under which key: flags, else environment
/// variables, else a folder and a key file next to the SQLite database.
struct AttachmentOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Folder of the encrypted attachment files. Falls back to CONCERT_ATTACHMENTS, then to DATABASE-attachments next to the database.",
            valueName: "folder"))
    var attachments: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "File holding the attachment key (32 bytes in base64). Falls back to CONCERT_ATTACHMENT_KEY (the key itself), then CONCERT_ATTACHMENT_KEY_FILE, then DATABASE.attachment-key, created on first start.",
            valueName: "file"))
    var attachmentKeyFile: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Largest attachment accepted, in MiB (default 100). Falls back to CONCERT_ATTACHMENT_LIMIT_MIB.",
            valueName: "MiB"))
    var attachmentLimitMib: Int?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Hours a message may wait for its recipients' acknowledgements before it is flagged (default 24). Falls back to CONCERT_ACKNOWLEDGEMENT_DUE_HOURS.",
            valueName: "hours"))
    var acknowledgementDueHours: Double?

    func settings(databaseLocation: String) throws -> AttachmentSettings {
        let environment = ProcessInfo.processInfo.environment
        let base = StoreFactory.sqlitePath(databaseLocation) ?? "concert"
        let folder = attachments ?? environment["CONCERT_ATTACHMENTS"] ?? base + "-attachments"
        let key = try InstallationSecret.load(
            file: attachmentKeyFile, variable: "CONCERT_ATTACHMENT_KEY", fileVariable: "CONCERT_ATTACHMENT_KEY_FILE",
            defaultFile: base + ".attachment-key", what: "attachment key"
        ) { Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString() }!
        let limit = attachmentLimitMib ?? environment["CONCERT_ATTACHMENT_LIMIT_MIB"].flatMap { Int($0) } ?? 100
        guard limit >= 1 else { throw ValidationError("The attachment limit is at least 1 MiB.") }
        let hours =
            acknowledgementDueHours ?? environment["CONCERT_ACKNOWLEDGEMENT_DUE_HOURS"].flatMap { Double($0) } ?? 24
        guard hours > 0 else { throw ValidationError("The acknowledgement time is more than 0 hours.") }
        do {
            return AttachmentSettings(
                folder: URL(fileURLWithPath: folder), key: try AttachmentSettings.key(base64: key.text),
                sizeLimit: Int64(limit) << 20, acknowledgementDue: hours * 3600)
        } catch {
            throw ValidationError("\(error) (from \(key.origin))")
        }
    }
}

/// A key as read, and where from, for a clear message when it is wrong.
struct SymmetricKeyText {
    var text: String
    var origin: String
}

/// The installation's safeguards against sweeps: how wide an identifier may be, and how many
/// selectors check before sharing takes per user and per agency. Flags, else environment
/// variables, else the defaults.
struct SafeguardOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Widest IPv4 CIDR block a target or check may name, as a prefix length (default 16). Falls back to CONCERT_WIDEST_IPV4_BLOCK.",
            valueName: "bits"))
    var widestIpv4Block: Int?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Widest IPv6 CIDR block a target or check may name, as a prefix length (default 32). Falls back to CONCERT_WIDEST_IPV6_BLOCK.",
            valueName: "bits"))
    var widestIpv6Block: Int?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A newer Public Suffix List (public_suffix_list.dat) to use instead of the one Concert ships. Falls back to CONCERT_PUBLIC_SUFFIX_LIST.",
            valueName: "file"))
    var publicSuffixList: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Selectors one user may check before sharing in an hour (default 20000). Falls back to CONCERT_CHECK_BUDGET_USER.",
            valueName: "count"))
    var checkBudgetUser: Int?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Selectors one agency's users may check in an hour together (default 100000). Falls back to CONCERT_CHECK_BUDGET_AGENCY.",
            valueName: "count"))
    var checkBudgetAgency: Int?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "An agency's own hourly budget, AGENCY-ID=COUNT; repeat for several. Falls back to CONCERT_CHECK_BUDGET_AGENCIES (comma-separated).",
            valueName: "agency=count"))
    var checkBudgetFor: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The address of a load balancer whose X-Forwarded-For names the client that sign-in throttling counts; repeat for several. Falls back to CONCERT_TRUSTED_PROXIES (comma-separated).",
            valueName: "address"))
    var trustedProxy: [String] = []

    /// Applies the safeguards to a configuration.
    func apply(to configuration: inout ServerConfiguration) throws {
        let environment = ProcessInfo.processInfo.environment
        func number(
            _ flag: Int?, _ variable: String, _ fallback: Int, _ range: ClosedRange<Int>, _ what: String
        ) throws
            -> Int
        {
            let value = flag ?? environment[variable].flatMap { Int($0) } ?? fallback
            guard range.contains(value) else {
                throw ValidationError("\(what) must be from \(range.lowerBound) to \(range.upperBound), not \(value).")
            }
            return value
        }
        var limits = SelectorLimits(
            minimumIPv4PrefixLength: try number(
                widestIpv4Block, "CONCERT_WIDEST_IPV4_BLOCK", 16, 0...32, "The widest IPv4 block"),
            minimumIPv6PrefixLength: try number(
                widestIpv6Block, "CONCERT_WIDEST_IPV6_BLOCK", 32, 0...128, "The widest IPv6 block"))
        if let file = publicSuffixList ?? environment["CONCERT_PUBLIC_SUFFIX_LIST"] {
            do {
                limits.publicSuffixes = try PublicSuffixList(contentsOf: URL(fileURLWithPath: file))
            } catch {
                throw ValidationError("\(error)")
            }
        }
        configuration.selectorLimits = limits
        var overrides: [String: Int] = [:]
        let named =
            checkBudgetFor.isEmpty
            ? (environment["CONCERT_CHECK_BUDGET_AGENCIES"] ?? "").split(separator: ",").map(String.init)
            : checkBudgetFor
        for item in named where !item.trimmingCharacters(in: .whitespaces).isEmpty {
            let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let count = Int(parts[1]), count >= 1 else {
                throw ValidationError("'\(item)' is not AGENCY-ID=COUNT, such as 01J9Z...=50000.")
            }
            overrides[parts[0]] = count
        }
        let proxies =
            trustedProxy.isEmpty
            ? (environment["CONCERT_TRUSTED_PROXIES"] ?? "").split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            } : trustedProxy
        configuration.trustedProxies = Set(proxies.filter { !$0.isEmpty })
        configuration.crossCheckBudget = CrossCheckBudgetSettings(
            perUser: try number(
                checkBudgetUser, "CONCERT_CHECK_BUDGET_USER", 20_000, 1...10_000_000, "The user budget"),
            perAgency: try number(
                checkBudgetAgency, "CONCERT_CHECK_BUDGET_AGENCY", 100_000, 1...100_000_000, "The agency budget"),
            agencyOverrides: overrides)
    }
}

/// A secret of the installation (a key), in a file named by a flag, else in an environment
/// variable, else in a file an environment variable names, else in a file next to the
/// database, created on first start (readable by its owner only).
enum InstallationSecret {
    /// The secret's text and where it came from; nil when it is in no file and `create` is nil.
    static func load(
        file explicitFile: String?, variable: String, fileVariable: String, defaultFile: String, what: String,
        create: (() -> String)?
    ) throws -> SymmetricKeyText? {
        let environment = ProcessInfo.processInfo.environment
        func read(_ file: String) throws -> SymmetricKeyText {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ValidationError("Cannot read the \(what) file '\(file)'.")
            }
            return SymmetricKeyText(text: text, origin: "the key file '\(file)'")
        }
        if let file = explicitFile ?? (environment[variable] == nil ? environment[fileVariable] : nil) {
            return try read(file)
        }
        if let text = environment[variable] { return SymmetricKeyText(text: text, origin: variable) }
        if !FileManager.default.fileExists(atPath: defaultFile) {
            guard let create else { return nil }
            // Servers starting together on a new installation must end with one key: the file
            // is written aside and linked into place, which fails if another was first, whose
            // key is then read.
            let draft = defaultFile + ".\(getpid()).new"
            defer { unlink(draft) }
            guard
                FileManager.default.createFile(
                    atPath: draft, contents: Data((create() + "\n").utf8), attributes: [.posixPermissions: 0o600]),
                link(draft, defaultFile) == 0 || errno == EEXIST
            else { throw ValidationError("Cannot create the \(what) file '\(defaultFile)'.") }
        }
        return try read(defaultFile)
    }
}

/// The key that signs the checkpoints of the log's Merkle tree: a flag, else environment
/// variables, else a key file next to the SQLite database, created on first start. Every
/// server of one installation must have the same.
struct LogKeyOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "File holding the log key, which signs the log's checkpoints (an Ed25519 seed: 32 bytes in base64). Falls back to CONCERT_LOG_KEY (the key itself), then CONCERT_LOG_KEY_FILE, then DATABASE.log-key, created on first start.",
            valueName: "file"))
    var logKeyFile: String?

    /// Refuses to serve with a log key other than the one the installation's checkpoints are
    /// signed with: every server of one installation signs with the same key, or witnesses and
    /// `audit verify` meet checkpoints that no key they hold opens.
    static func requireInstallationKey(_ signer: LogSigner?, of store: any Store) async throws {
        guard let signer, let kept = try await store.latestCheckpoint() else { return }
        let origin = kept.note.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? ""
        guard origin == signer.origin else {
            throw ValidationError(
                "This installation's log is signed with another key (\(origin)) than this server's (\(signer.origin)). Every server of one installation needs its log key: give this one the key file with --log-key-file, or CONCERT_LOG_KEY or CONCERT_LOG_KEY_FILE."
            )
        }
    }

    /// The installation's signer; nil when `create` is false and there is no key yet.
    func signer(databaseLocation: String, create: Bool = true) throws -> LogSigner? {
        let base = StoreFactory.sqlitePath(databaseLocation) ?? "concert"
        let newKey: (() -> String)? = create ? { LogSigner.newKeyText() } : nil
        guard
            let key = try InstallationSecret.load(
                file: logKeyFile, variable: "CONCERT_LOG_KEY", fileVariable: "CONCERT_LOG_KEY_FILE",
                defaultFile: base + ".log-key", what: "log key", create: newKey)
        else { return nil }
        do {
            return try LogSigner(base64: key.text)
        } catch {
            throw ValidationError("\(error) (from \(key.origin))")
        }
    }
}
