import ConcertCore

/// One selector as the cross-check index holds it: who recorded it where, and its match key.
public struct CrossCheckEntry: Sendable, Hashable, Codable {
    /// The selector's own id, unique across the installation.
    public var id: String
    /// The operation it was recorded in.
    public var operationId: String
    /// The agency that recorded it.
    public var agencyId: String
    /// What kind of identifier it is.
    public var kind: SelectorKind
    /// The normalised key from ``SelectorInput/normalised(defaultCountry:)``.
    public var matchKey: String
    /// Date of birth, for person selectors.
    public var dateOfBirth: String?

    /// Creates an entry.
    public init(
        id: String, operationId: String, agencyId: String, kind: SelectorKind, matchKey: String,
        dateOfBirth: String? = nil
    ) {
        self.id = id
        self.operationId = operationId
        self.agencyId = agencyId
        self.kind = kind
        self.matchKey = matchKey
        self.dateOfBirth = dateOfBirth
    }

    /// An entry for a normalised selector.
    public init(id: String, operationId: String, agencyId: String, selector: Selector) {
        self.init(
            id: id, operationId: operationId, agencyId: agencyId, kind: selector.kind, matchKey: selector.matchKey,
            dateOfBirth: selector.dateOfBirth)
    }
}

/// A selector of another operation that matches the one looked up.
public struct CrossCheckMatch: Sendable, Hashable {
    /// The other side's selector.
    public var entry: CrossCheckEntry
    /// How it matches.
    public var kind: MatchKind
}

/// What a look-up found.
public struct CrossCheckResult: Sendable, Equatable {
    /// The matching selectors of other operations (none when the value is common).
    public var matches: [CrossCheckMatch]
    /// How many operations hold the value when so many do that it is common (a public
    /// resolver, a large CDN): it is then reported as common instead of match by match.
    public var commonHolders: Int?

    /// Whether another operation holds something matching.
    public var isHit: Bool { !matches.isEmpty || commonHolders != nil }

    /// Creates a result.
    public init(matches: [CrossCheckMatch], commonHolders: Int?) {
        self.matches = matches
        self.commonHolders = commonHolders
    }
}

/// Every selector of every operation, keyed so that a look-up finds what matches it without
/// scanning: exact keys, addresses inside recorded blocks (IPv4 and IPv6), blocks that
/// overlap, domains under recorded domains, and persons by folded name and date of birth.
///
/// Matches within one operation are not reported: hits are about other operations.
public struct CrossCheckIndex: Sendable {
    /// Past this many operations holding one exact value, the value is common.
    public var commonThreshold: Int

    private var entries: [String: CrossCheckEntry] = [:]
    /// Exact keys (`kind` and match key) of every kind but person, to the entries holding them.
    private var exact: [String: Set<String>] = [:]
    /// The exact keys held by at least `commonThreshold` entries: the only candidates for a
    /// common value, so that listing an agency's common values does not walk every key.
    private var crowded: Set<String> = []
    /// Persons by name key.
    private var persons: [String: Set<String>] = [:]
    /// Recorded domains by each of their parent domains, for look-ups of a parent.
    private var domainsUnder: [String: Set<String>] = [:]
    /// Recorded addresses by the buckets they fall in (at several prefix lengths), for
    /// look-ups of a block: a block is answered from the finest bucket that covers it.
    private var addressBuckets: [AddressBucket: Set<String>] = [:]
    /// The parsed address of each recorded address entry.
    private var addresses: [String: IPAddress] = [:]
    /// Recorded blocks by family and prefix length, then network.
    private var blocks: [BlockShape: [IPAddress: Set<String>]] = [:]

    /// A prefix of an address at one of the bucket lengths: IPv4 /8, /16, /24; IPv6 /32, /48, /64.
    struct AddressBucket: Hashable {
        var prefix: IPAddress
        var length: Int

        static func lengths(forBitWidth width: Int) -> [Int] { width == 32 ? [8, 16, 24] : [32, 48, 64] }

        init(_ address: IPAddress, length: Int) {
            prefix = address.masked(to: length)
            self.length = length
        }
    }

    struct BlockShape: Hashable {
        var bitWidth: Int
        var prefixLength: Int
    }

    /// Creates an empty index.
    public init(commonThreshold: Int = 50) {
        self.commonThreshold = commonThreshold
    }

    /// How many selectors it holds.
    public var count: Int { entries.count }

    /// Adds a selector, or replaces the one with the same id.
    public mutating func insert(_ entry: CrossCheckEntry) {
        if entries[entry.id] != nil { remove(id: entry.id) }
        entries[entry.id] = entry
        switch entry.kind {
        case .person:
            persons[entry.matchKey, default: []].insert(entry.id)
        case .cidr:
            addExact(entry)
            if let block = CIDRBlock(entry.matchKey) {
                blocks[Self.shape(block), default: [:]][block.network, default: []].insert(entry.id)
            }
        case .ip:
            addExact(entry)
            if let address = IPAddress(entry.matchKey) {
                addresses[entry.id] = address
                for length in AddressBucket.lengths(forBitWidth: address.bitWidth) {
                    addressBuckets[AddressBucket(address, length: length), default: []].insert(entry.id)
                }
            }
        case .domain:
            addExact(entry)
            for parent in Self.parents(of: entry.matchKey) { domainsUnder[parent, default: []].insert(entry.id) }
        case .email, .phone, .url, .wallet:
            addExact(entry)
        }
    }

    private mutating func addExact(_ entry: CrossCheckEntry) {
        let key = Self.exactKey(entry)
        exact[key, default: []].insert(entry.id)
        if exact[key]!.count >= commonThreshold { crowded.insert(key) }
    }

    /// Removes a selector; its matches go with it.
    public mutating func remove(id: String) {
        guard let entry = entries.removeValue(forKey: id) else { return }
        defer {
            let key = Self.exactKey(entry)
            if (exact[key]?.count ?? 0) < commonThreshold { crowded.remove(key) }
        }
        func drop<Key: Hashable>(_ key: Key, from table: inout [Key: Set<String>]) {
            table[key]?.remove(id)
            if table[key]?.isEmpty == true { table.removeValue(forKey: key) }
        }
        switch entry.kind {
        case .person:
            drop(entry.matchKey, from: &persons)
        case .cidr:
            drop(Self.exactKey(entry), from: &exact)
            if let block = CIDRBlock(entry.matchKey) {
                let shape = Self.shape(block)
                blocks[shape]?[block.network]?.remove(id)
                if blocks[shape]?[block.network]?.isEmpty == true { blocks[shape]?.removeValue(forKey: block.network) }
                if blocks[shape]?.isEmpty == true { blocks.removeValue(forKey: shape) }
            }
        case .ip:
            drop(Self.exactKey(entry), from: &exact)
            if let address = addresses.removeValue(forKey: id) {
                for length in AddressBucket.lengths(forBitWidth: address.bitWidth) {
                    drop(AddressBucket(address, length: length), from: &addressBuckets)
                }
            }
        case .domain:
            drop(Self.exactKey(entry), from: &exact)
            for parent in Self.parents(of: entry.matchKey) { drop(parent, from: &domainsUnder) }
        case .email, .phone, .url, .wallet:
            drop(Self.exactKey(entry), from: &exact)
        }
    }

    /// The values an agency holds that are common (held by ``commonThreshold`` operations or
    /// more), with how many operations hold each, most held first. Persons are never common.
    public func commonValues(heldBy agencyId: String) -> [(kind: SelectorKind, matchKey: String, holders: Int)] {
        var found: [(kind: SelectorKind, matchKey: String, holders: Int)] = []
        for key in crowded {
            let holding = (exact[key] ?? []).compactMap { entries[$0] }
            guard let mine = holding.first(where: { $0.agencyId == agencyId }) else { continue }
            let holders = Set(holding.map(\.operationId)).count
            if holders >= commonThreshold { found.append((mine.kind, mine.matchKey, holders)) }
        }
        return found.sorted { ($0.holders, $1.matchKey) > ($1.holders, $0.matchKey) }
    }

    /// How many operations hold exactly this value.
    public func holders(kind: SelectorKind, matchKey: String) -> Int {
        let ids = kind == .person ? persons[matchKey] : exact["\(kind.rawValue)|\(matchKey)"]
        return Set((ids ?? []).compactMap { entries[$0]?.operationId }).count
    }

    /// What of other operations matches `probe` (its own operation is left out).
    public func lookUp(_ probe: CrossCheckEntry) -> CrossCheckResult {
        if probe.kind != .person {
            let holders = holders(kind: probe.kind, matchKey: probe.matchKey)
            if holders >= commonThreshold { return CrossCheckResult(matches: [], commonHolders: holders) }
        }
        var found: [String: MatchKind] = [:]
        func add(_ ids: Set<String>?, _ kind: MatchKind) {
            for id in ids ?? [] where found[id] == nil { found[id] = kind }
        }
        switch probe.kind {
        case .person:
            for id in persons[probe.matchKey] ?? [] {
                guard let other = entries[id] else { continue }
                switch (probe.dateOfBirth, other.dateOfBirth) {
                case (let mine?, let theirs?): if mine == theirs { found[id] = .samePerson }
                default: found[id] = .possiblePerson
                }
            }
        case .ip:
            add(exact[Self.exactKey(probe)], .exact)
            if let address = IPAddress(probe.matchKey) {
                for (shape, networks) in blocks where shape.bitWidth == address.bitWidth {
                    add(networks[address.masked(to: shape.prefixLength)], .insideBlock)
                }
            }
        case .cidr:
            add(exact[Self.exactKey(probe)], .exact)
            if let block = CIDRBlock(probe.matchKey) {
                for (shape, networks) in blocks where shape.bitWidth == block.network.bitWidth {
                    if shape.prefixLength <= block.prefixLength {
                        // Blocks as large or larger: only one network of this length can hold it.
                        add(networks[block.network.masked(to: shape.prefixLength)], .overlappingBlocks)
                    } else {
                        for (network, ids) in networks where block.contains(network) { add(ids, .overlappingBlocks) }
                    }
                }
                for id in addressesInside(block) { if found[id] == nil { found[id] = .containsAddress } }
            }
        case .domain:
            add(exact[Self.exactKey(probe)], .exact)
            for parent in Self.parents(of: probe.matchKey) { add(exact["domain|\(parent)"], .subdomain) }
            add(domainsUnder[probe.matchKey], .parentDomain)
        case .email, .phone, .url, .wallet:
            add(exact[Self.exactKey(probe)], .exact)
        }
        let matches = found.compactMap { id, kind -> CrossCheckMatch? in
            guard let entry = entries[id], entry.operationId != probe.operationId, id != probe.id else { return nil }
            return CrossCheckMatch(entry: entry, kind: kind)
        }.sorted { ($0.entry.operationId, $0.entry.id) < ($1.entry.operationId, $1.entry.id) }
        return CrossCheckResult(matches: matches, commonHolders: nil)
    }

    /// The recorded addresses inside `block`, found through the finest bucket that covers it
    /// (or, for a block wider than every bucket, the coarsest buckets inside it).
    private func addressesInside(_ block: CIDRBlock) -> [String] {
        let lengths = AddressBucket.lengths(forBitWidth: block.network.bitWidth)
        let candidates: [Set<String>]
        if let length = lengths.last(where: { $0 <= block.prefixLength }) {
            candidates = [addressBuckets[AddressBucket(block.network, length: length)] ?? []]
        } else {
            candidates = addressBuckets.filter { bucket, _ in
                bucket.length == lengths[0] && bucket.prefix.bitWidth == block.network.bitWidth
                    && block.contains(bucket.prefix)
            }.map(\.value)
        }
        return candidates.flatMap { ids in ids.filter { id in addresses[id].map(block.contains) ?? false } }
    }

    static func exactKey(_ entry: CrossCheckEntry) -> String { "\(entry.kind.rawValue)|\(entry.matchKey)" }

    static func shape(_ block: CIDRBlock) -> BlockShape {
        BlockShape(bitWidth: block.network.bitWidth, prefixLength: block.prefixLength)
    }

    /// The domains a domain lies under, down to two labels: `a.b.example.com` →
    /// `b.example.com`, `example.com`. A bare top-level domain never counts.
    static func parents(of domain: String) -> [String] {
        let labels = domain.split(separator: ".")
        guard labels.count > 2 else { return [] }
        return (1...(labels.count - 2)).map { labels[$0...].joined(separator: ".") }
    }
}
