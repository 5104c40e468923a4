import Foundation

/// Opens the store a database URL names.
public enum StoreFactory {
    /// What went wrong opening a store.
    public struct OpenError: Error, CustomStringConvertible {
        /// The reason in words.
        public var description: String

        /// An error with its reason.
        public init(description: String) {
            self.description = description
        }
    }

    /// The file of a SQLite location (`PATH`, `sqlite:PATH` or `sqlite://PATH`), or nil for
    /// a database server's URL.
    public static func sqlitePath(_ location: String) -> String? {
        let lower = location.lowercased()
        if lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://") { return nil }
        if lower.hasPrefix("sqlite://") { return String(location.dropFirst("sqlite://".count)) }
        if lower.hasPrefix("sqlite:") { return String(location.dropFirst("sqlite:".count)) }
        return location
    }

    /// Opens `location`: a file path, `sqlite:PATH` or `sqlite://PATH` for SQLite, or
    /// `postgres://user:password@host:port/database` for PostgreSQL.
    public static func open(_ location: String) async throws -> any Store {
        guard let path = sqlitePath(location) else {
            return try await PostgresStore.open(url: location)
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
