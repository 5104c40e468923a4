import Foundation

/// One value bound to a statement or read from a row, in the four kinds both engines store.
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
}

/// A statement written once for every engine: its text between the values, and the values,
/// which are always bound as parameters, never spliced into the text.
///
/// Written as a string literal with interpolations: `"SELECT json FROM sitrep WHERE id = \(id)"`
/// binds `id`; `\(raw: name)` splices a fixed piece of SQL (a table or column name the code
/// chose, never input); `\(list: ids)` binds each value of a list, separated by commas.
public struct SQL: Sendable, ExpressibleByStringInterpolation {
    /// The text around the values: one piece more than there are values.
    var pieces: [String]
    var values: [SQLValue]
    /// Whether the text varies from call to call (a list of values), so that an engine does
    /// not keep it among its prepared statements.
    var varies = false

    public init(stringLiteral value: String) {
        pieces = [value]
        values = []
    }

    public init(stringInterpolation: StringInterpolation) {
        pieces = stringInterpolation.pieces
        values = stringInterpolation.values
        varies = stringInterpolation.varies
    }

    /// `INSERT INTO table (columns) VALUES (…)` with every value bound; the table and column
    /// names are the code's, never input.
    static func insert(into table: String, columns: [String], values: [SQLValue]) -> SQL {
        var statement = SQL(stringLiteral: "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (")
        for (index, value) in values.enumerated() {
            statement.append(index == 0 ? "\(value)" : ", \(value)")
        }
        statement.append(")")
        return statement
    }

    /// Adds a statement's text and values at the end of this one.
    public mutating func append(_ other: SQL) {
        pieces[pieces.count - 1] += other.pieces[0]
        pieces += other.pieces.dropFirst()
        values += other.values
        varies = varies || other.varies
    }

    /// The text with each value's place marked as `marker` makes it (`?`, or `$1`, `$2` …).
    func text(marking marker: (Int) -> String) -> String {
        var text = pieces[0]
        for index in values.indices {
            text += marker(index + 1)
            text += pieces[index + 1]
        }
        return text
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        var pieces: [String] = [""]
        var values: [SQLValue] = []
        var varies = false

        public init(literalCapacity: Int, interpolationCount: Int) {}

        public mutating func appendLiteral(_ literal: String) { pieces[pieces.count - 1] += literal }

        /// Splices fixed SQL chosen by the code (a table, a column, an order), never input.
        public mutating func appendInterpolation(raw sql: String) { appendLiteral(sql) }

        public mutating func appendInterpolation(_ value: SQLValue) {
            values.append(value)
            pieces.append("")
        }

        public mutating func appendInterpolation(_ value: String?) {
            appendInterpolation(value.map(SQLValue.text) ?? .null)
        }

        public mutating func appendInterpolation(_ value: Int64?) {
            appendInterpolation(value.map(SQLValue.integer) ?? .null)
        }

        public mutating func appendInterpolation(_ value: Int) { appendInterpolation(.integer(Int64(value))) }

        public mutating func appendInterpolation(_ value: Double?) {
            appendInterpolation(value.map(SQLValue.real) ?? .null)
        }

        /// Binds each value, separated by commas: for `IN (…)`. An empty list binds one NULL,
        /// which matches nothing.
        public mutating func appendInterpolation(list: [String]) {
            varies = true
            guard !list.isEmpty else { return appendInterpolation(SQLValue.null) }
            for (index, value) in list.enumerated() {
                if index > 0 { appendLiteral(", ") }
                appendInterpolation(value)
            }
        }
    }
}

/// A row read by a statement, its columns in the order the statement selected them.
public struct SQLRow: Sendable {
    public var values: [SQLValue]

    public init(_ values: [SQLValue]) { self.values = values }

    /// The text of a column; a row that has a number there gives its digits.
    public func string(_ column: Int) throws -> String {
        guard let text = optionalString(column) else { throw SQLRowError(column: column, expected: "text") }
        return text
    }

    public func optionalString(_ column: Int) -> String? {
        switch values[column] {
        case .text(let text): text
        case .integer(let number): String(number)
        case .real(let number): String(number)
        case .null: nil
        }
    }

    public func int64(_ column: Int) throws -> Int64 {
        guard let number = optionalInt64(column) else { throw SQLRowError(column: column, expected: "an integer") }
        return number
    }

    public func optionalInt64(_ column: Int) -> Int64? {
        switch values[column] {
        case .integer(let number): number
        case .real(let number): Int64(exactly: number)
        case .text(let text): Int64(text)
        case .null: nil
        }
    }

    public func optionalDouble(_ column: Int) -> Double? {
        switch values[column] {
        case .real(let number): number
        case .integer(let number): Double(number)
        case .text(let text): Double(text)
        case .null: nil
        }
    }
}

/// A column held something other than what the store wrote there.
struct SQLRowError: Error, CustomStringConvertible {
    var column: Int
    var expected: String
    var description: String { "Column \(column) of a stored row does not hold \(expected)." }
}
