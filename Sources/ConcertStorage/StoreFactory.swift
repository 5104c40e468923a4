import Foundation

/// Opens the store a database URL names.
public enum StoreFactory {
    /// What went wrong opening a store.
    public struct OpenError: Error, CustomStringConvertible {
        /// The reason in words.
        public var description: String
    }

    /// Opens `location`: a file path, `sqlite:PATH` or `sqlite://PATH` for SQLite.
    public static func open(_ location: String) throws -> any Store {
        let lower = location.lowercased()
        if lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://") {
            throw OpenError(description: "PostgreSQL storage is not part of this build yet; use a SQLite file.")
        }
        var path = location
        if lower.hasPrefix("sqlite://") {
            path = String(location.dropFirst("sqlite://".count))
        } else if lower.hasPrefix("sqlite:") {
            path = String(location.dropFirst("sqlite:".count))
        }
        guard !path.isEmpty else { throw OpenError(description: "The database location names no file.") }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: directory) else {
            throw OpenError(description: "The folder '\(directory)' for the database does not exist.")
        }
        do {
            return try SQLiteStore(path: path)
        } catch {
            throw OpenError(description: "Cannot open the SQLite database '\(path)': \(error)")
        }
    }
}
