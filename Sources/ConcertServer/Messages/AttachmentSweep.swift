import ConcertStorage
import Crypto
import Foundation
import Logging
import ServiceLifecycle

/// Removes what writes cut off by a crash left in the attachment folder: uploads half received
/// in `staging`, and files moved into place whose message was never stored (a message's file
/// goes into place just before the message is written). Run once as the server starts.
///
/// Only settled files go: on SQLite, where this server is the folder's only writer, whatever is
/// older than its start; on a database several servers share, a file in place five minutes
/// without its message (it is moved there, and dated, just before its message is written) and an
/// upload untouched for an hour, so that another server's write under way keeps its file.
/// `CONCERT_ATTACHMENT_SWEEP_GRACE` (seconds) sets the five minutes (0 for a server alone on its
/// database).
struct AttachmentSweep: Service {
    let vault: AttachmentVault
    let store: any Store
    /// Files in place older than this are settled.
    let settledBefore: Date
    /// Uploads in staging older than this are settled.
    let uploadsSettledBefore: Date
    let logger = Logger(label: "concert.attachments")

    init(vault: AttachmentVault, store: any Store, now: Date = Date()) {
        self.vault = vault
        self.store = store
        guard store.isShared else {
            settledBefore = now
            uploadsSettledBefore = now
            return
        }
        let grace =
            ProcessInfo.processInfo.environment["CONCERT_ATTACHMENT_SWEEP_GRACE"].flatMap(TimeInterval.init) ?? 300
        settledBefore = now.addingTimeInterval(-max(0, grace))
        uploadsSettledBefore = now.addingTimeInterval(-max(grace, grace == 0 ? 0 : 3600))
    }

    func run() async throws {
        do {
            let removed = try await sweep()
            if removed > 0 { logger.notice("Removed \(removed) attachment files of writes cut off before they ended") }
        } catch {
            logger.error("The attachment folder could not be swept: \(error)")
        }
        try? await gracefulShutdown()
    }

    /// Whether the file has waited long enough to be a cut-off write's.
    private func isSettled(_ path: String, upload: Bool) -> Bool {
        guard let modified = try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date else {
            return false
        }
        return modified < (upload ? uploadsSettledBefore : settledBefore)
    }

    /// Removes the settled files no message holds; returns how many.
    func sweep() async throws -> Int {
        let folder = vault.settings.folder
        let files = FileManager.default
        guard files.fileExists(atPath: folder.path) else { return 0 }
        let kept = Set(try await store.attachmentDigests().map { vault.location(of: $0).standardizedFileURL.path })
        var removed = 0
        for directory in (try? files.contentsOfDirectory(atPath: folder.path)) ?? [] {
            let isUpload = directory == vault.staging.lastPathComponent
            // Only what Concert writes there: its uploads, and files named by 64 hex digits in
            // the folder of their first two. Anything else (an operator's, `lost+found`) stays.
            guard isUpload || (directory.count == 2 && directory.allSatisfy(\.isHexDigit)) else { continue }
            let inner = folder.appendingPathComponent(directory)
            for name in (try? files.contentsOfDirectory(atPath: inner.path)) ?? [] {
                if !isUpload && !(name.count == 64 && name.hasPrefix(directory) && name.allSatisfy(\.isHexDigit)) {
                    continue
                }
                let file = inner.appendingPathComponent(name).standardizedFileURL
                guard isUpload || !kept.contains(file.path), isSettled(file.path, upload: isUpload) else { continue }
                // Read again just before: a message sent meanwhile with the same content dates its
                // file anew (``AttachmentVault/keep(_:)``), and keeps it.
                guard isSettled(file.path, upload: isUpload) else { continue }
                if unlink(file.path) == 0 { removed += 1 }
            }
        }
        return removed
    }
}
