import Foundation

/// One step of a path into a JSON document: a member's name or a list's index.
public enum JSONPathComponent: Sendable, Equatable {
    case key(String)
    case index(Int)
}

extension [JSONPathComponent] {
    /// The path as the import's notes write it: `objects[3].pattern`, `[0].Event`.
    var jsonPath: String {
        var text = ""
        for component in self {
            switch component {
            case .key(let key): text += text.isEmpty ? key : "." + key
            case .index(let index): text += "[\(index)]"
            }
        }
        return text
    }
}

/// What ``JSONStreamReader`` met, in the order of the file.
enum JSONStreamEvent {
    /// A list or object the reader descends into begins.
    case enter([JSONPathComponent], isObject: Bool)
    /// A member's name of an object descended into was read; its value follows.
    case member([JSONPathComponent])
    /// A value the reader does not descend into, whole.
    case value([JSONPathComponent], JSONValue)
    /// A list or object descended into ends.
    case leave([JSONPathComponent], isObject: Bool)
}

/// Reads a JSON document as it arrives, a piece at a time, and hands over its values one by
/// one: it descends into the lists and objects its `descend` rule names (a bundle and its
/// `objects`, say) and gives each other value whole, parsed. A file of any size is read in the
/// memory of its largest single value (at most ``maximumValueSize``), never whole.
///
/// A syntax error anywhere is refused with its line, column and path.
struct JSONStreamReader {
    /// The largest value handed over whole.
    static let maximumValueSize = 16 << 20

    /// Whether to descend into the list or object (`true`) at a path rather than read it whole.
    let descend: ([JSONPathComponent], _ isObject: Bool) -> Bool

    private enum FrameState {
        /// After `{` or `[`: a name, a value or the end.
        case first
        /// After `,`: a name or a value.
        case next
        /// After a member's name.
        case colon
        /// After `:`.
        case value
        /// After a value: `,` or the end.
        case commaOrEnd
    }

    private struct Frame {
        var isObject: Bool
        var state: FrameState = .first
        var count = 0
    }

    private enum Shape {
        case container
        case string
        case scalar
    }

    /// A value being gathered, from its first byte, until it ends.
    private struct Gathering {
        var start: Int
        var shape: Shape
        var isKey: Bool
        var depth = 0
        var inString = false
        var escaped = false
        var line: Int
        var lineStart: Int
    }

    private var buffer: [UInt8] = []
    private var position = 0
    /// The offset in the file of `buffer[0]`.
    private var base = 0
    private var line = 1
    /// The offset in the file of the first byte of `line`.
    private var lineStart = 0
    private var frames: [Frame] = []
    private var path: [JSONPathComponent] = []
    private var gathering: Gathering?
    private var markChecked = false
    private var started = false
    private var ended = false

    init(descend: @escaping ([JSONPathComponent], _ isObject: Bool) -> Bool) {
        self.descend = descend
    }

    /// Reads the next piece of the file; answers what it completed.
    mutating func feed(_ bytes: some Collection<UInt8>) throws(InteropError) -> [JSONStreamEvent] {
        buffer.append(contentsOf: bytes)
        var events: [JSONStreamEvent] = []
        try run(final: false, into: &events)
        let keep = gathering?.start ?? position
        if keep > 0 {
            buffer.removeSubrange(0..<keep)
            base += keep
            position -= keep
            gathering?.start -= keep
        }
        return events
    }

    /// Reads the end of the file: refuses a file that stops inside a value.
    mutating func finish() throws(InteropError) -> [JSONStreamEvent] {
        var events: [JSONStreamEvent] = []
        try run(final: true, into: &events)
        guard ended else {
            let reason =
                if !started { "the file is empty" } else if gathering != nil {
                    "the text ends inside a value"
                } else if frames
                    .last?.isObject == true
                { "the text ends inside an object" } else { "the text ends inside a list" }
            throw error(at: base + position, reason)
        }
        return events
    }

    private func error(at offset: Int, _ reason: String) -> InteropError {
        InteropError(
            "The file is not JSON: \(reason) at line \(line), column \(offset - lineStart + 1).",
            place: ImportPlace(line: line, column: offset - lineStart + 1, path: path.isEmpty ? nil : path.jsonPath))
    }

    private mutating func run(final: Bool, into events: inout [JSONStreamEvent]) throws(InteropError) {
        if !markChecked {
            // A byte order mark is no part of the JSON.
            if buffer.count - position < 3 && !final { return }
            if buffer[position...].starts(with: [0xEF, 0xBB, 0xBF]) { position += 3 }
            markChecked = true
        }
        while true {
            if gathering != nil {
                guard try gather(final: final, into: &events) else { return }
                continue
            }
            guard position < buffer.count else { return }
            let byte = buffer[position]
            switch byte {
            case 0x20, 0x09, 0x0D:
                position += 1
                continue
            case 0x0A:
                position += 1
                line += 1
                lineStart = base + position
                continue
            default: break
            }
            guard let index = frames.indices.last else {
                guard !ended else { throw error(at: base + position, "more follows the end of the document") }
                started = true
                try begin(byte, into: &events)
                continue
            }
            let frame = frames[index]
            let closer = frame.isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
            switch frame.state {
            case .first where byte == closer, .commaOrEnd where byte == closer:
                position += 1
                frames.removeLast()
                events.append(.leave(path, isObject: frame.isObject))
                completed()
            case .first, .next:
                if frame.isObject {
                    guard byte == UInt8(ascii: "\"") else {
                        throw error(at: base + position, "a member's name in double quotes was expected")
                    }
                    gathering = Gathering(
                        start: position, shape: .string, isKey: true, line: line, lineStart: lineStart)
                } else {
                    path.append(.index(frame.count))
                    frames[index].state = .value
                    try begin(byte, into: &events)
                }
            case .colon:
                guard byte == UInt8(ascii: ":") else { throw error(at: base + position, "':' was expected") }
                position += 1
                frames[index].state = .value
            case .value:
                try begin(byte, into: &events)
            case .commaOrEnd:
                guard byte == UInt8(ascii: ",") else {
                    throw error(
                        at: base + position, frame.isObject ? "',' or '}' was expected" : "',' or ']' was expected")
                }
                position += 1
                frames[index].state = .next
            }
        }
    }

    /// Begins the value whose first byte is `byte`: descends into it, or gathers it.
    private mutating func begin(_ byte: UInt8, into events: inout [JSONStreamEvent]) throws(InteropError) {
        switch byte {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let isObject = byte == UInt8(ascii: "{")
            if frames.count < JSONParser.maximumDepth && descend(path, isObject) {
                position += 1
                frames.append(Frame(isObject: isObject))
                events.append(.enter(path, isObject: isObject))
            } else {
                gathering = Gathering(
                    start: position, shape: .container, isKey: false, line: line, lineStart: lineStart)
            }
        case UInt8(ascii: "\""):
            gathering = Gathering(start: position, shape: .string, isKey: false, line: line, lineStart: lineStart)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "t"), UInt8(ascii: "f"),
            UInt8(ascii: "n"):
            gathering = Gathering(start: position, shape: .scalar, isKey: false, line: line, lineStart: lineStart)
        default:
            throw error(at: base + position, "a value was expected")
        }
    }

    /// A value ended: the list or object it is in expects a comma or its end.
    private mutating func completed() {
        guard let index = frames.indices.last else {
            ended = true
            return
        }
        path.removeLast()
        frames[index].state = .commaOrEnd
        frames[index].count += 1
    }

    /// Reads on through the value being gathered; answers whether it ended (and was handed over).
    private mutating func gather(final: Bool, into events: inout [JSONStreamEvent]) throws(InteropError) -> Bool {
        guard var value = gathering else { return true }
        var ended = false
        var newlines = 0
        var lastNewline = -1
        buffer.withUnsafeBufferPointer { bytes in
            var index = position
            if index == value.start && value.shape != .scalar {
                // The opening quote or bracket.
                if value.shape == .string { value.inString = true } else { value.depth = 1 }
                index += 1
            }
            switch value.shape {
            case .scalar:
                while index < bytes.count {
                    switch bytes[index] {
                    case UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"), 0x20, 0x09, 0x0A, 0x0D:
                        ended = true
                    default: index += 1
                    }
                    if ended { break }
                }
                if final { ended = true }
            case .string, .container:
                while index < bytes.count {
                    let byte = bytes[index]
                    index += 1
                    if value.inString {
                        if value.escaped {
                            value.escaped = false
                        } else if byte == UInt8(ascii: "\\") {
                            value.escaped = true
                        } else if byte == UInt8(ascii: "\"") {
                            value.inString = false
                            if value.shape == .string {
                                ended = true
                                break
                            }
                        }
                        continue
                    }
                    switch byte {
                    case UInt8(ascii: "\""): value.inString = true
                    case UInt8(ascii: "{"), UInt8(ascii: "["): value.depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        value.depth -= 1
                        if value.depth == 0 { ended = true }
                    case 0x0A:
                        newlines += 1
                        lastNewline = index - 1
                    default: break
                    }
                    if ended { break }
                }
            }
            position = index
        }
        if newlines > 0 {
            line += newlines
            lineStart = base + lastNewline + 1
        }
        // Checked whether the value ended in this piece or not, so that the bound is the same
        // however the file is cut.
        guard position - value.start <= Self.maximumValueSize else {
            line = value.line
            lineStart = value.lineStart
            throw error(
                at: base + value.start,
                "a single value is larger than the \(Self.maximumValueSize >> 20) MiB Concert reads whole")
        }
        if !ended {
            gathering = value
            return false
        }
        gathering = nil
        let parsed = buffer.withUnsafeBufferPointer { bytes in
            Result { () throws(JSONSyntaxError) in
                try JSONParser.parse(UnsafeBufferPointer(rebasing: bytes[value.start..<position]))
            }
        }
        switch parsed {
        case .success(let parsedValue):
            if value.isKey {
                guard case .string(let key) = parsedValue, let index = frames.indices.last else { return true }
                path.append(.key(key))
                frames[index].state = .colon
                events.append(.member(path))
            } else {
                events.append(.value(path, parsedValue))
                completed()
            }
            return true
        case .failure(let syntax):
            // The line and column of the fault, counted from the value's start.
            line = value.line
            lineStart = value.lineStart
            for offset in value.start..<min(value.start + syntax.offset, buffer.count) where buffer[offset] == 0x0A {
                line += 1
                lineStart = base + offset + 1
            }
            throw error(at: base + value.start + syntax.offset, syntax.reason)
        }
    }
}

/// Tells which JSON file a body is from its first members, as it arrives: Concert's
/// `{"targets": …}`, a MISP event or a STIX bundle, without reading the rest.
public struct JSONFormatSniffer {
    /// What the body read so far is.
    public enum Guess: Equatable {
        /// Concert's own `{"targets": […]}`.
        case concert
        case format(InteropFormat)
        /// Nothing decides yet: more is needed.
        case undecided
        /// Valid JSON of none of these; the words say what it is and what was expected.
        case other(String)
    }

    private var stream = JSONStreamReader { path, isObject in
        path.isEmpty || (isObject && path == [.index(0)])
    }
    private var shape = JSONShape(keys: [])
    private var guess = Guess.undecided

    /// A sniffer of a new body.
    public init() {}

    /// Reads the next piece of the body; answers what it is once its first members tell.
    public mutating func feed(_ bytes: some Collection<UInt8>) throws(InteropError) -> Guess {
        guard guess == .undecided else { return guess }
        for event in try stream.feed(bytes) {
            take(event)
            if guess != .undecided { break }
        }
        return guess
    }

    /// Reads the end of the body.
    public mutating func finish() throws(InteropError) -> Guess {
        guard guess == .undecided else { return guess }
        for event in try stream.finish() {
            take(event)
            if guess != .undecided { return guess }
        }
        return .other(
            "The body is valid JSON (\(shape.inWords)) but holds no targets Concert reads: Concert's {\"targets\": […]}, a MISP event {\"Event\": …} (or a list of them) or a STIX bundle {\"type\": \"bundle\", …} was expected."
        )
    }

    private mutating func take(_ event: JSONStreamEvent) {
        switch event {
        case .member(let path):
            switch path {
            case [.key("targets")]: guess = .concert
            case [.key("Event")], [.key("response")], [.index(0), .key("Event")]: guess = .format(.misp)
            case [.key("objects")]: guess = .format(.stix)
            default: if path.count == 1, case .key(let key) = path[0], shape.keys.count < 100 { shape.keys.append(key) }
            }
        case .value(let path, let value):
            if path == [.key("type")] {
                shape.type = value.string
                if value.string == "bundle" { guess = .format(.stix) }
            } else if path.isEmpty {
                guess = .other(
                    "The body is \(value.kindInWords), which holds no targets Concert reads: Concert's {\"targets\": […]}, a MISP event {\"Event\": …} (or a list of them) or a STIX bundle {\"type\": \"bundle\", …} was expected."
                )
            }
            if path.count == 1, case .index = path[0] { shape.listItems = (shape.listItems ?? 0) + 1 }
        case .enter(let path, let isObject):
            if path.isEmpty && !isObject { shape.listItems = 0 }
        case .leave(let path, _):
            guard path == [.index(0)] else { return }
            // A list's first item that is no event says the list is none of these.
            shape.listItems = (shape.listItems ?? 0) + 1
            guess = .other(
                "The body is a JSON list whose first item is no {\"Event\": …}, which holds no targets Concert reads: Concert's {\"targets\": […]}, a MISP event {\"Event\": …} (or a list of them) or a STIX bundle {\"type\": \"bundle\", …} was expected."
            )
        }
    }
}
