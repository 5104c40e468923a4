import GRDB
import GRDBSQLite

/// A statement run many times inside one transaction, its parameters bound through SQLite's
/// own API: an import writes hundreds of thousands of rows, and GRDB's general binding of
/// argument arrays cost a tenth of its time.
///
/// The statement is its own (not GRDB's cached one), so that GRDB never sees it half-used.
final class BulkStatement {
    private let statement: Statement
    private let database: Database

    /// Prepares `sql` on `database`.
    init(_ sql: String, in database: Database) throws {
        statement = try database.makeStatement(sql: sql)
        self.database = database
    }

    /// Runs the statement once with `values` for its parameters, in order.
    func run(_ values: SQLValue...) throws { try run(values) }

    /// Runs the statement once with `values` for its parameters, in order.
    func run(_ values: [SQLValue]) throws {
        let raw = statement.sqliteStatement
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            switch value {
            case .text(var text):
                // Bound from the string's own UTF-8, which SQLite copies (SQLITE_TRANSIENT):
                // passing the String itself would first copy it into a C string.
                text.withUTF8 { utf8 in
                    guard let start = utf8.baseAddress, !utf8.isEmpty else {
                        _ = sqlite3_bind_text(raw, index, "", 0, Self.transient)
                        return
                    }
                    _ = start.withMemoryRebound(to: CChar.self, capacity: utf8.count) {
                        sqlite3_bind_text(raw, index, $0, Int32(utf8.count), Self.transient)
                    }
                }
            case .integer(let integer):
                _ = sqlite3_bind_int64(raw, index, integer)
            case .real(let real):
                _ = sqlite3_bind_double(raw, index, real)
            case .null:
                _ = sqlite3_bind_null(raw, index)
            }
        }
        let code = sqlite3_step(raw)
        guard code == SQLITE_DONE else {
            let message = String(cString: sqlite3_errmsg(database.sqliteConnection))
            sqlite3_reset(raw)
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
        }
        sqlite3_reset(raw)
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}

extension SQLValue {
    /// A text parameter, or null.
    static func text(_ text: String?) -> SQLValue { text.map(SQLValue.text) ?? .null }
    /// An integer parameter, or null.
    static func integer(_ integer: Int64?) -> SQLValue { integer.map(SQLValue.integer) ?? .null }
}
