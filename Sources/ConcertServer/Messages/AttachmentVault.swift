import ConcertCore
import Crypto
import Foundation
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where attachments are kept and how: a content-addressed folder of files encrypted with
/// AES-GCM under the server's key, never rows of the database.
public struct AttachmentSettings: Sendable {
    /// The folder of the stored files.
    public var folder: URL
    /// The AES-256 key the files are encrypted with, as bytes (a `SymmetricKey` is not
    /// `Sendable`); never logged.
    private var keyBytes: [UInt8]
    /// The AES-256 key the files are encrypted with.
    public var key: SymmetricKey { SymmetricKey(data: keyBytes) }
    /// The largest file accepted, in bytes (100 MiB by default).
    public var sizeLimit: Int64
    /// How long a message may wait for its recipients' acknowledgements before it is flagged.
    public var acknowledgementDue: TimeInterval

    /// The default size limit: 100 MiB.
    public static let defaultSizeLimit: Int64 = 100 << 20

    /// Creates settings.
    public init(
        folder: URL, key: SymmetricKey, sizeLimit: Int64 = defaultSizeLimit, acknowledgementDue: TimeInterval = 86_400
    ) {
        self.folder = folder
        self.keyBytes = key.withUnsafeBytes { Array($0) }
        self.sizeLimit = sizeLimit
        self.acknowledgementDue = acknowledgementDue
    }

    /// Settings for a server that keeps nothing: a fresh folder in the temporary directory and
    /// a random key (tests, embedded use).
    public static func temporary(
        folder: URL? = nil, sizeLimit: Int64 = defaultSizeLimit, acknowledgementDue: TimeInterval = 86_400
    ) -> AttachmentSettings {
        AttachmentSettings(
            folder: folder
                ?? FileManager.default.temporaryDirectory.appendingPathComponent(
                    "concert-attachments-\(Identifier.make())"),
            key: SymmetricKey(size: .bits256), sizeLimit: sizeLimit, acknowledgementDue: acknowledgementDue)
    }

    /// Reads a key written as 44 characters of base64 (32 bytes).
    public static func key(base64 text: String) throws -> SymmetricKey {
        guard let data = Data(base64Encoded: text.trimmingWhitespace()), data.count == 32 else {
            throw AttachmentError.badKey
        }
        return SymmetricKey(data: data)
    }
}

/// What went wrong with an attachment, in words a person can act on.
enum AttachmentError: Error, Equatable {
    /// The file is larger than the configured limit.
    case tooLarge(limit: Int64)
    /// The stored file is gone.
    case missing
    /// The stored file does not decrypt, or does not match its SHA-256.
    case damaged(String)
    /// The configured key is not 32 bytes of base64.
    case badKey
}

extension AttachmentError: CustomStringConvertible {
    var description: String {
        switch self {
        case .tooLarge(let limit): "An attachment may hold at most \(limit >> 20) MiB."
        case .missing: "The stored file of this attachment is missing."
        case .damaged(let reason): "The stored file of this attachment is damaged: \(reason)"
        case .badKey: "The attachment key must be 32 bytes written in base64 (44 characters)."
        }
    }
}

/// The encrypted, content-addressed store of attachment files.
///
/// A file is named by a keyed hash of its content's SHA-256 (HMAC-SHA256 under a key derived
/// from the attachment key, `ab/abcdef…`), so that whoever sees the folder cannot confirm that
/// a known file is there; the SHA-256 shown to users stays what `sha256sum` prints. Files of
/// installations that named them by the plain SHA-256 are renamed when first read. Its content is split into
/// chunks of 1 MiB, each sealed with AES-GCM under a fresh nonce; each chunk's position and
/// whether it is the last are authenticated with it, so that chunks cannot be reordered,
/// dropped or cut off without the download noticing. Files are written to a staging folder
/// first and moved into place only when their message is about to be stored.
struct AttachmentVault: Sendable {
    let settings: AttachmentSettings
    static let chunkSize = 1 << 20
    static let magic: [UInt8] = Array("CONCERT-ATTACHMENT-1".utf8)
    /// Set on a chunk's length word when it is the last chunk.
    static let finalFlag: UInt32 = 1 << 31

    init(settings: AttachmentSettings) {
        self.settings = settings
    }

    var staging: URL { settings.folder.appendingPathComponent("staging") }

    /// Where the file of content `sha256` is kept: named by its keyed hash.
    func location(of sha256: String) -> URL {
        let name = Hex.string(HMAC<SHA256>.authenticationCode(for: Data(sha256.utf8), using: namingKey))
        let keyed = settings.folder.appendingPathComponent(String(name.prefix(2))).appendingPathComponent(name)
        // A file kept by an earlier version under its plain SHA-256 moves to its keyed name.
        let legacy = settings.folder.appendingPathComponent(String(sha256.prefix(2))).appendingPathComponent(sha256)
        if Hex.isSHA256(sha256), !FileManager.default.fileExists(atPath: keyed.path),
            FileManager.default.fileExists(atPath: legacy.path)
        {
            try? FileManager.default.createDirectory(
                at: keyed.deletingLastPathComponent(), withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
            _ = rename(legacy.path, keyed.path)
        }
        return keyed
    }

    /// The key file names are made with: derived from the attachment key, so that one key
    /// serves one purpose each.
    var namingKey: SymmetricKey {
        SymmetricKey(
            data: HMAC<SHA256>.authenticationCode(for: Data("concert attachment file names".utf8), using: settings.key))
    }

    /// Starts receiving a file.
    func beginUpload() throws -> AttachmentUpload {
        try FileManager.default.createDirectory(
            at: staging, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return try AttachmentUpload(
            path: staging.appendingPathComponent(Identifier.make()).path, key: settings.key, limit: settings.sizeLimit)
    }

    /// Moves a received file into place; false when the same content was stored before (the
    /// staged copy is then dropped).
    func keep(_ staged: StagedAttachment) throws -> Bool {
        let destination = location(of: staged.sha256)
        if FileManager.default.fileExists(atPath: destination.path) {
            unlink(staged.path)
            // Dated now: a file left by a cut-off write that this message now holds is not the
            // start's sweep's to remove.
            utimes(destination.path, nil)
            return false
        }
        try FileManager.default.createDirectory(
            at: destination.deletingLastPathComponent(), withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        guard rename(staged.path, destination.path) == 0 else {
            throw AttachmentError.damaged("it could not be moved into place (\(String(cString: strerror(errno)))).")
        }
        // Dated now, not when its upload began: the sweep of a shared folder reads the date as
        // when the file began to wait for its message.
        utimes(destination.path, nil)
        return true
    }

    /// Removes a stored file (a message that was not stored after all).
    func remove(sha256: String) {
        unlink(location(of: sha256).path)
    }

    /// Reads the whole stored file once, decrypting every chunk and hashing the content, and
    /// throws unless it is intact and matches `sha256` and `size`.
    func verify(sha256: String, size: Int64) throws {
        let reader = try AttachmentReader(path: location(of: sha256).path, key: settings.key)
        var hasher = SHA256()
        var total: Int64 = 0
        while let chunk = try reader.next() {
            chunk.withUnsafeBytes { hasher.update(bufferPointer: $0) }
            total += Int64(chunk.count)
        }
        let found = Hex.string(hasher.finalize())
        guard found == sha256, total == size else {
            throw AttachmentError.damaged(
                "its content has SHA-256 \(found) and \(total) bytes, not the recorded \(sha256) and \(size) bytes.")
        }
    }

    /// The decrypted content, chunk by chunk.
    func open(sha256: String) throws -> AttachmentReader {
        try AttachmentReader(path: location(of: sha256).path, key: settings.key)
    }
}

/// A file received and encrypted into the staging folder, not yet kept.
struct StagedAttachment: Sendable {
    var path: String
    var sha256: String
    var size: Int64
}

/// One file being received: hashed, encrypted chunk by chunk and written as it arrives, so
/// that no more than one chunk is ever held in memory.
final class AttachmentUpload {
    let path: String
    private let key: SymmetricKey
    private let limit: Int64
    private var descriptor: Int32
    private var hasher = SHA256()
    private var pending: [UInt8] = []
    private var chunkIndex: UInt64 = 0
    private(set) var size: Int64 = 0

    init(path: String, key: SymmetricKey, limit: Int64) throws {
        self.path = path
        self.key = key
        self.limit = limit
        descriptor = openFile(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw AttachmentError.damaged(
                "the staging file could not be created (\(String(cString: strerror(errno)))).")
        }
        pending.reserveCapacity(AttachmentVault.chunkSize)
        try writeAll(AttachmentVault.magic)
    }

    deinit {
        if descriptor >= 0 {
            close(descriptor)
            unlink(path)
        }
    }

    /// Adds received bytes; throws ``AttachmentError/tooLarge(limit:)`` past the limit.
    func append(_ buffer: ByteBuffer) throws {
        guard size + Int64(buffer.readableBytes) <= limit else { throw AttachmentError.tooLarge(limit: limit) }
        size += Int64(buffer.readableBytes)
        try buffer.withUnsafeReadableBytes { bytes in
            hasher.update(bufferPointer: bytes)
            var offset = 0
            while offset < bytes.count {
                let take = min(AttachmentVault.chunkSize - pending.count, bytes.count - offset)
                pending.append(contentsOf: bytes[offset..<(offset + take)])
                offset += take
                if pending.count == AttachmentVault.chunkSize { try seal(final: false) }
            }
        }
    }

    /// Seals the last chunk and closes the file.
    func finish() throws -> StagedAttachment {
        try seal(final: true)
        close(descriptor)
        descriptor = -1
        return StagedAttachment(path: path, sha256: Hex.string(hasher.finalize()), size: size)
    }

    /// Drops the file.
    func discard() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
        unlink(path)
    }

    private func seal(final: Bool) throws {
        let box = try AES.GCM.seal(
            pending, using: key, nonce: AES.GCM.Nonce(),
            authenticating: AttachmentReader.associatedData(index: chunkIndex, final: final))
        var length = UInt32(box.ciphertext.count)
        if final { length |= AttachmentVault.finalFlag }
        var record: [UInt8] = []
        record.reserveCapacity(4 + 12 + box.ciphertext.count + 16)
        withUnsafeBytes(of: length.bigEndian) { record.append(contentsOf: $0) }
        box.nonce.withUnsafeBytes { record.append(contentsOf: $0) }
        record.append(contentsOf: box.ciphertext)
        record.append(contentsOf: box.tag)
        try writeAll(record)
        pending.removeAll(keepingCapacity: true)
        chunkIndex += 1
    }

    private func writeAll(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw AttachmentError.damaged("it could not be written (\(String(cString: strerror(errno)))).")
                }
                offset += written
            }
        }
    }
}

/// Reads a stored file back, chunk by chunk, checking each chunk's seal, position and the
/// presence of the last chunk.
final class AttachmentReader {
    private let descriptor: Int32
    private let key: SymmetricKey
    private var index: UInt64 = 0
    private var finished = false

    static func associatedData(index: UInt64, final: Bool) -> [UInt8] {
        var data: [UInt8] = []
        withUnsafeBytes(of: index.bigEndian) { data.append(contentsOf: $0) }
        data.append(final ? 1 : 0)
        return data
    }

    init(path: String, key: SymmetricKey) throws {
        let descriptor = openFile(path, O_RDONLY | O_CLOEXEC, 0)
        guard descriptor >= 0 else { throw AttachmentError.missing }
        self.descriptor = descriptor
        self.key = key
        let magic = try Self.read(descriptor, count: AttachmentVault.magic.count)
        guard magic == AttachmentVault.magic else {
            throw AttachmentError.damaged("it is not an encrypted Concert attachment.")
        }
    }

    deinit { close(descriptor) }

    /// The next chunk of content, or nil after the last.
    func next() throws -> [UInt8]? {
        let header = try Self.read(descriptor, count: 4)
        if header.isEmpty {
            guard finished else { throw AttachmentError.damaged("it ends before its last chunk (cut off).") }
            return nil
        }
        guard !finished else { throw AttachmentError.damaged("it goes on after its last chunk.") }
        guard header.count == 4 else { throw AttachmentError.damaged("it ends inside a chunk (cut off).") }
        let word = header.withUnsafeBytes { UInt32(bigEndian: $0.loadUnaligned(as: UInt32.self)) }
        let final = word & AttachmentVault.finalFlag != 0
        let length = Int(word & ~AttachmentVault.finalFlag)
        guard length <= AttachmentVault.chunkSize else { throw AttachmentError.damaged("a chunk has a wrong length.") }
        let record = try Self.read(descriptor, count: 12 + length + 16)
        guard record.count == 12 + length + 16 else {
            throw AttachmentError.damaged("it ends inside a chunk (cut off).")
        }
        do {
            let box = try AES.GCM.SealedBox(
                nonce: AES.GCM.Nonce(data: record[0..<12]), ciphertext: record[12..<(12 + length)],
                tag: record[(12 + length)...])
            let plain = try AES.GCM.open(
                box, using: key, authenticating: Self.associatedData(index: index, final: final))
            index += 1
            finished = final
            return Array(plain)
        } catch {
            throw AttachmentError.damaged("chunk \(index) fails its integrity check (altered on disk, or another key).")
        }
    }

    /// Reads up to `count` bytes; fewer only at the end of the file.
    private static func read(_ descriptor: Int32, count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = bytes.withUnsafeMutableBytes { readFile(descriptor, $0.baseAddress! + filled, count - filled) }
            if got < 0 {
                if errno == EINTR { continue }
                throw AttachmentError.damaged("it could not be read (\(String(cString: strerror(errno)))).")
            }
            if got == 0 { break }
            filled += got
        }
        bytes.removeLast(count - filled)
        return bytes
    }
}

/// `open(2)`, named apart from the methods that shadow it.
private func openFile(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { open(path, flags, mode) }

/// `read(2)`, named apart from the methods that shadow it.
private func readFile(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
