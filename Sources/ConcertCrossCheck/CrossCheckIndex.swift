import ConcertCore

/// One selector as the cross-check index holds it: who recorded it where, and its match key.
public struct CrossCheckEntry: Sendable, Hashable {
    /// The target the selector belongs to (a target holds each identifier once).
    public var targetId: String
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
        targetId: String, operationId: String, agencyId: String, kind: SelectorKind, matchKey: String,
        dateOfBirth: String? = nil
    ) {
        self.targetId = targetId
        self.operationId = operationId
        self.agencyId = agencyId
        self.kind = kind
        self.matchKey = matchKey
        self.dateOfBirth = dateOfBirth
    }

    /// An entry for a normalised selector.
    public init(targetId: String, operationId: String, agencyId: String, selector: Selector) {
        self.init(
            targetId: targetId, operationId: operationId, agencyId: agencyId, kind: selector.kind,
            matchKey: selector.matchKey, dateOfBirth: selector.dateOfBirth)
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
/// Matches within one operation, or of the same target, are not reported: hits are about
/// other operations.
///
/// The index is compact because it holds every selector of the installation in memory: keys
/// and identifiers are stored once each as bytes (``InternedBytes``), an entry is a handful
/// of 32-bit numbers in parallel arrays, and the lists of entries under a key are chains of
/// 8-byte nodes. A removed entry is only marked; the index compacts itself when removed
/// entries outnumber live ones.
public struct CrossCheckIndex: Sendable {
    private var storage: CrossCheckStorage

    /// Creates an empty index.
    public init(commonThreshold: Int = 50) {
        storage = CrossCheckStorage(commonThreshold: commonThreshold)
    }

    /// Past this many operations holding one exact value, the value is common.
    public var commonThreshold: Int { storage.commonThreshold }

    /// How many selectors it holds.
    public var count: Int { storage.count }

    /// Entries removed and not yet compacted away (for tests).
    var removedEntries: Int { storage.removedEntries }

    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    /// Makes room for `selectors` selectors without growing, before a rebuild.
    public mutating func reserveCapacity(selectors: Int) {
        makeUnique()
        storage.reserveCapacity(selectors: selectors)
    }

    /// Adds a selector of a target (a target holds each identifier once: adding one again
    /// changes nothing).
    public mutating func insert(_ entry: CrossCheckEntry) {
        makeUnique()
        storage.insert(entry)
    }

    /// Adds a selector given as UTF-8 bytes, as a rebuild reads it from the store.
    public mutating func insert(
        targetId: UnsafeRawBufferPointer, operationId: UnsafeRawBufferPointer, agencyId: UnsafeRawBufferPointer,
        kind: SelectorKind, matchKey: UnsafeRawBufferPointer, dateOfBirth: UnsafeRawBufferPointer?
    ) {
        makeUnique()
        storage.insert(
            targetId: targetId, operationId: operationId, agencyId: agencyId, kind: kind, matchKey: matchKey,
            dateOfBirth: dateOfBirth)
    }

    /// Removes every selector of a target; their matches go with them. The index rebuilds
    /// itself once removed entries outnumber live ones.
    public mutating func remove(targetId: String) {
        makeUnique()
        storage.remove(targetId: targetId)
        if storage.wantsCompaction { storage = storage.compacted() }
    }

    /// The values an agency holds that are common (held by ``commonThreshold`` operations or
    /// more), with how many operations hold each, most held first. Persons are never common.
    public func commonValues(heldBy agencyId: String) -> [(kind: SelectorKind, matchKey: String, holders: Int)] {
        storage.commonValues(heldBy: agencyId)
    }

    /// How many operations hold exactly this value.
    public func holders(kind: SelectorKind, matchKey: String) -> Int {
        storage.holders(kind: kind, matchKey: matchKey)
    }

    /// What of other operations matches `probe` (its own operation and target are left out).
    public func lookUp(_ probe: CrossCheckEntry) -> CrossCheckResult {
        storage.lookUp(probe)
    }
}

/// The storage of a ``CrossCheckIndex``: one object, so that passing the index around or
/// looking up in it never copies (or retains) its many arrays one by one.
final class CrossCheckStorage: @unchecked Sendable {
    /// Past this many operations holding one exact value, the value is common.
    var commonThreshold: Int

    /// How many selectors it holds.
    private(set) var count = 0

    private var targetNames = InternedBytes()
    private var operationNames = InternedBytes()
    private var agencyNames = InternedBytes()
    private var birthNames = InternedBytes()

    /// Every key a look-up may ask for (see ``Key``), with the chain of items under it.
    private var keys = InternedBytes()
    private var firstNode: [UInt32] = []
    /// Live entries under each exact key.
    private var liveEntries: [UInt32] = []
    private var nodeItem: [UInt32] = []
    private var nextNode: [UInt32] = []

    // Entries, by number.
    private var entryKey: [UInt32] = []
    private var entryKind: [UInt8] = []
    private var entryOperation: [UInt32] = []
    private var entryAgency: [UInt32] = []
    /// ``none`` once the entry is removed.
    private var entryTarget: [UInt32] = []
    private var entryBirth: [UInt32] = []
    private var nextEntryOfTarget: [UInt32] = []
    /// The newest entry of each target, by target number.
    private var firstEntryOfTarget: [UInt32] = []
    private(set) var removedEntries = 0

    // Points: recorded addresses and block networks, left-aligned in 128 bits, filed in
    // buckets at several prefix lengths so that a look-up of a block finds what lies inside it.
    private var pointHigh: [UInt64] = []
    private var pointLow: [UInt64] = []
    private var pointPrefix: [UInt8] = []
    private var pointEntry: [UInt32] = []

    /// The exact keys held by at least `commonThreshold` entries: the only candidates for a
    /// common value, so that listing an agency's common values does not walk every key.
    private var crowded: Set<UInt32> = []
    /// How many live blocks there are of each family (IPv4, IPv6) and prefix length.
    private var blockShapes: [[Int]] = [Array(repeating: 0, count: 33), Array(repeating: 0, count: 129)]
    /// The coarsest buckets of each family, for look-ups of blocks wider than every bucket.
    private var coarseBuckets: [Set<UInt32>] = [[], []]

    private static let none = UInt32.max

    /// The last target, operation and agency added: a rebuild reads selectors target by
    /// target, so most additions name the same ones as the one before.
    private var recentTarget = RecentName()
    private var recentOperation = RecentName()
    private var recentAgency = RecentName()

    /// Creates an empty index.
    init(commonThreshold: Int) {
        self.commonThreshold = commonThreshold
    }

    /// A copy that can change without changing this one (the arrays are shared until then).
    func copy() -> CrossCheckStorage {
        let copy = CrossCheckStorage(commonThreshold: commonThreshold)
        copy.count = count
        copy.targetNames = targetNames
        copy.operationNames = operationNames
        copy.agencyNames = agencyNames
        copy.birthNames = birthNames
        copy.keys = keys
        copy.firstNode = firstNode
        copy.liveEntries = liveEntries
        copy.nodeItem = nodeItem
        copy.nextNode = nextNode
        copy.entryKey = entryKey
        copy.entryKind = entryKind
        copy.entryOperation = entryOperation
        copy.entryAgency = entryAgency
        copy.entryTarget = entryTarget
        copy.entryBirth = entryBirth
        copy.nextEntryOfTarget = nextEntryOfTarget
        copy.firstEntryOfTarget = firstEntryOfTarget
        copy.removedEntries = removedEntries
        copy.pointHigh = pointHigh
        copy.pointLow = pointLow
        copy.pointPrefix = pointPrefix
        copy.pointEntry = pointEntry
        copy.crowded = crowded
        copy.blockShapes = blockShapes
        copy.coarseBuckets = coarseBuckets
        copy.recentTarget = recentTarget
        copy.recentOperation = recentOperation
        copy.recentAgency = recentAgency
        return copy
    }

    /// Makes room for `selectors` selectors without growing, before a rebuild.
    func reserveCapacity(selectors: Int) {
        keys.reserveCapacity(keys: selectors + selectors / 4, bytesEach: 20)
        firstNode.reserveCapacity(selectors)
        liveEntries.reserveCapacity(selectors)
        entryKey.reserveCapacity(selectors)
        entryOperation.reserveCapacity(selectors)
        entryAgency.reserveCapacity(selectors)
        entryTarget.reserveCapacity(selectors)
        entryBirth.reserveCapacity(selectors)
        nextEntryOfTarget.reserveCapacity(selectors)
        entryKind.reserveCapacity(selectors)
        nodeItem.reserveCapacity(selectors * 2)
        nextNode.reserveCapacity(selectors * 2)
        targetNames.reserveCapacity(keys: selectors / 4, bytesEach: 36)
        firstEntryOfTarget.reserveCapacity(selectors / 4)
    }

    // MARK: Adding and removing

    /// Adds a selector of a target (a target holds each identifier once: adding one again
    /// changes nothing).
    func insert(_ entry: CrossCheckEntry) {
        var entry = entry
        entry.targetId.withUTF8 { target in
            entry.operationId.withUTF8 { operation in
                entry.agencyId.withUTF8 { agency in
                    entry.matchKey.withUTF8 { matchKey in
                        if var birth = entry.dateOfBirth {
                            birth.withUTF8 {
                                insert(
                                    targetId: .init(target), operationId: .init(operation), agencyId: .init(agency),
                                    kind: entry.kind, matchKey: .init(matchKey), dateOfBirth: .init($0))
                            }
                        } else {
                            insert(
                                targetId: .init(target), operationId: .init(operation), agencyId: .init(agency),
                                kind: entry.kind, matchKey: .init(matchKey), dateOfBirth: nil)
                        }
                    }
                }
            }
        }
    }

    /// Adds a selector given as UTF-8 bytes, as a rebuild reads it from the store.
    func insert(
        targetId: UnsafeRawBufferPointer, operationId: UnsafeRawBufferPointer, agencyId: UnsafeRawBufferPointer,
        kind: SelectorKind, matchKey: UnsafeRawBufferPointer, dateOfBirth: UnsafeRawBufferPointer?
    ) {
        let target = recentTarget.intern(targetId, in: &targetNames)
        if target.isNew { firstEntryOfTarget.append(Self.none) }
        let kindCode = Self.code(of: kind)
        let key = Key.exact(kindCode, matchKey).withBytes { intern($0) }
        let birth = dateOfBirth.map { birthNames.intern($0).id } ?? Self.none
        var sibling = firstEntryOfTarget[Int(target.id)]
        while sibling != Self.none {
            if entryKey[Int(sibling)] == key.id && entryBirth[Int(sibling)] == birth { return }
            sibling = nextEntryOfTarget[Int(sibling)]
        }

        let entry = UInt32(entryKey.count)
        entryKey.append(key.id)
        entryKind.append(kindCode)
        entryOperation.append(recentOperation.intern(operationId, in: &operationNames).id)
        entryAgency.append(recentAgency.intern(agencyId, in: &agencyNames).id)
        entryTarget.append(target.id)
        entryBirth.append(birth)
        nextEntryOfTarget.append(firstEntryOfTarget[Int(target.id)])
        firstEntryOfTarget[Int(target.id)] = entry
        count += 1

        link(entry, underKey: key.id)
        liveEntries[Int(key.id)] += 1
        if kind != .person && liveEntries[Int(key.id)] >= commonThreshold { crowded.insert(key.id) }

        switch kind {
        case .ip:
            if let address = Self.address(matchKey) {
                addPoint(entry, address.bits, family: address.family, prefix: address.width)
            }
        case .cidr:
            if let block = Self.block(matchKey) {
                blockShapes[block.family][block.prefix] += 1
                Key.block(block.family, block.prefix, block.bits).withBytes { link(entry, underKey: intern($0).id) }
                addPoint(entry, block.bits, family: block.family, prefix: block.prefix)
            }
        case .domain:
            Self.forEachParent(of: matchKey) { parent in
                Key.under(parent).withBytes { link(entry, underKey: intern($0).id) }
            }
        case .email, .phone, .url, .wallet, .person:
            break
        }
    }

    /// Removes every selector of a target; their matches go with them.
    func remove(targetId: String) {
        guard let target = targetNames.find(targetId) else { return }
        var entry = firstEntryOfTarget[Int(target)]
        firstEntryOfTarget[Int(target)] = Self.none
        while entry != Self.none {
            let index = Int(entry)
            let key = Int(entryKey[index])
            entryTarget[index] = Self.none
            liveEntries[key] -= 1
            if liveEntries[key] < commonThreshold { crowded.remove(UInt32(key)) }
            if entryKind[index] == Self.code(of: .cidr),
                let block = keys.withBytes(
                    of: UInt32(key), { Self.block(UnsafeRawBufferPointer(rebasing: $0.dropFirst(2))) })
            {
                blockShapes[block.family][block.prefix] -= 1
            }
            count -= 1
            removedEntries += 1
            entry = nextEntryOfTarget[index]
        }
    }

    /// Whether removed entries outnumber live ones enough to rebuild.
    var wantsCompaction: Bool { removedEntries > 4_096 && removedEntries > count }

    /// The index rebuilt from its live entries, without what removals left behind.
    func compacted() -> CrossCheckStorage {
        let fresh = CrossCheckStorage(commonThreshold: commonThreshold)
        fresh.reserveCapacity(selectors: count)
        for target in 0..<UInt32(firstEntryOfTarget.count) {
            var entries: [Int] = []
            var entry = firstEntryOfTarget[Int(target)]
            while entry != Self.none {
                entries.append(Int(entry))
                entry = nextEntryOfTarget[Int(entry)]
            }
            for index in entries.reversed() {
                targetNames.withBytes(of: target) { targetId in
                    operationNames.withBytes(of: entryOperation[index]) { operationId in
                        agencyNames.withBytes(of: entryAgency[index]) { agencyId in
                            keys.withBytes(of: entryKey[index]) { key in
                                let matchKey = UnsafeRawBufferPointer(rebasing: key.dropFirst(2))
                                let kind = Self.kinds[Int(entryKind[index])]
                                if entryBirth[index] == Self.none {
                                    fresh.insert(
                                        targetId: targetId, operationId: operationId, agencyId: agencyId, kind: kind,
                                        matchKey: matchKey, dateOfBirth: nil)
                                } else {
                                    birthNames.withBytes(of: entryBirth[index]) { birth in
                                        fresh.insert(
                                            targetId: targetId, operationId: operationId, agencyId: agencyId,
                                            kind: kind, matchKey: matchKey, dateOfBirth: birth)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return fresh
    }

    private func intern(_ key: UnsafeRawBufferPointer) -> (id: UInt32, isNew: Bool) {
        let interned = keys.intern(key)
        if interned.isNew {
            firstNode.append(Self.none)
            liveEntries.append(0)
        }
        return interned
    }

    private func link(_ item: UInt32, underKey key: UInt32) {
        nodeItem.append(item)
        nextNode.append(firstNode[Int(key)])
        firstNode[Int(key)] = UInt32(nodeItem.count - 1)
    }

    private func addPoint(_ entry: UInt32, _ bits: Bits, family: Int, prefix: Int) {
        let point = UInt32(pointEntry.count)
        pointHigh.append(bits.high)
        pointLow.append(bits.low)
        pointPrefix.append(UInt8(prefix))
        pointEntry.append(entry)
        let lengths = Self.bucketLengths[family]
        if prefix < lengths[0] {
            Key.wide(family).withBytes { link(point, underKey: intern($0).id) }
            return
        }
        for length in lengths where length <= prefix {
            let bucket = Key.bucket(family, length, bits.masked(to: length)).withBytes { intern($0) }
            link(point, underKey: bucket.id)
            if length == lengths[0] && bucket.isNew { coarseBuckets[family].insert(bucket.id) }
        }
    }

    // MARK: Looking up

    /// The values an agency holds that are common (held by ``commonThreshold`` operations or
    /// more), with how many operations hold each, most held first. Persons are never common.
    func commonValues(heldBy agencyId: String) -> [(kind: SelectorKind, matchKey: String, holders: Int)] {
        guard let agency = agencyNames.find(agencyId) else { return [] }
        var found: [(kind: SelectorKind, matchKey: String, holders: Int)] = []
        for key in crowded {
            var mine: UInt32?
            forEachLiveEntry(underKey: key) { entry in
                if mine == nil && entryAgency[Int(entry)] == agency { mine = entry }
            }
            guard let mine else { continue }
            let holders = operationCount(underKey: key)
            if holders >= commonThreshold {
                found.append((Self.kinds[Int(entryKind[Int(mine)])], keys.string(of: key, dropping: 2), holders))
            }
        }
        return found.sorted { ($0.holders, $1.matchKey) > ($1.holders, $0.matchKey) }
    }

    /// How many operations hold exactly this value.
    func holders(kind: SelectorKind, matchKey: String) -> Int {
        guard let key = exactKey(kind, matchKey) else { return 0 }
        return operationCount(underKey: key)
    }

    /// What of other operations matches `probe` (its own operation and target are left out).
    func lookUp(_ probe: CrossCheckEntry) -> CrossCheckResult {
        let exact = exactKey(probe.kind, probe.matchKey)
        if probe.kind != .person, let exact, liveEntries[Int(exact)] >= commonThreshold {
            let holders = operationCount(underKey: exact)
            if holders >= commonThreshold { return CrossCheckResult(matches: [], commonHolders: holders) }
        }
        // In the order found, the first kind of match kept: most look-ups find nothing or a
        // few, so a list (with a set once it grows) beats a dictionary per look-up.
        var found: [(entry: UInt32, kind: MatchKind)] = []
        var seen: Set<UInt32> = []
        func add(_ entry: UInt32, _ kind: MatchKind) {
            if found.count < 16 {
                guard !found.contains(where: { $0.entry == entry }) else { return }
            } else {
                if seen.isEmpty { seen = Set(found.map(\.entry)) }
                guard seen.insert(entry).inserted else { return }
            }
            found.append((entry, kind))
        }
        func addEntries(under key: Key, _ kind: MatchKind) {
            guard let id = key.withBytes({ keys.find($0) }) else { return }
            forEachLiveEntry(underKey: id) { add($0, kind) }
        }
        if let exact, probe.kind != .person { forEachLiveEntry(underKey: exact) { add($0, .exact) } }
        var matchKey = probe.matchKey
        matchKey.withUTF8 { utf8 in
            let matchKey = UnsafeRawBufferPointer(utf8)
            switch probe.kind {
            case .person:
                guard let exact else { return }
                let mine = probe.dateOfBirth.map { birthNames.find($0) ?? Self.none }
                forEachLiveEntry(underKey: exact) { entry in
                    let theirs = entryBirth[Int(entry)]
                    if let mine, theirs != Self.none {
                        if mine == theirs { add(entry, .samePerson) }
                    } else {
                        add(entry, .possiblePerson)
                    }
                }
            case .ip:
                guard let address = Self.address(matchKey) else { return }
                for prefix in 0...address.width where blockShapes[address.family][prefix] > 0 {
                    addEntries(under: .block(address.family, prefix, address.bits.masked(to: prefix)), .insideBlock)
                }
            case .cidr:
                guard let block = Self.block(matchKey) else { return }
                // Blocks as large or larger: only one network of each length can hold it.
                for prefix in 0...block.prefix where blockShapes[block.family][prefix] > 0 {
                    addEntries(under: .block(block.family, prefix, block.bits.masked(to: prefix)), .overlappingBlocks)
                }
                // Smaller blocks and addresses inside it, from the finest bucket that covers it.
                forEachPoint(inside: block) { point in
                    let entry = pointEntry[Int(point)]
                    if entryKind[Int(entry)] == Self.code(of: .cidr) {
                        if Int(pointPrefix[Int(point)]) > block.prefix { add(entry, .overlappingBlocks) }
                    } else {
                        add(entry, .containsAddress)
                    }
                }
            case .domain:
                Self.forEachParent(of: matchKey) { parent in
                    addEntries(under: .exact(Self.code(of: .domain), parent), .subdomain)
                }
                addEntries(under: .under(matchKey), .parentDomain)
            case .email, .phone, .url, .wallet:
                break
            }
        }
        guard !found.isEmpty else { return CrossCheckResult(matches: [], commonHolders: nil) }
        let ownOperation = operationNames.find(probe.operationId)
        let ownTarget = targetNames.find(probe.targetId)
        let matches = found.compactMap { entry, kind -> CrossCheckMatch? in
            let index = Int(entry)
            guard entryOperation[index] != ownOperation, entryTarget[index] != ownTarget else { return nil }
            return CrossCheckMatch(entry: self.entry(index), kind: kind)
        }.sorted { ($0.entry.operationId, $0.entry.targetId) < ($1.entry.operationId, $1.entry.targetId) }
        return CrossCheckResult(matches: matches, commonHolders: nil)
    }

    /// The live points of the family of `block` that lie inside it.
    private func forEachPoint(inside block: (family: Int, prefix: Int, bits: Bits), _ body: (UInt32) -> Void) {
        func visit(_ key: UInt32) {
            var node = firstNode[Int(key)]
            while node != Self.none {
                let point = nodeItem[Int(node)]
                let bits = Bits(high: pointHigh[Int(point)], low: pointLow[Int(point)])
                if entryTarget[Int(pointEntry[Int(point)])] != Self.none, bits.masked(to: block.prefix) == block.bits {
                    body(point)
                }
                node = nextNode[Int(node)]
            }
        }
        let lengths = Self.bucketLengths[block.family]
        if let length = lengths.last(where: { $0 <= block.prefix }) {
            if let bucket = Key.bucket(block.family, length, block.bits.masked(to: length)).withBytes({ keys.find($0) })
            {
                visit(bucket)
            }
            return
        }
        for bucket in coarseBuckets[block.family] {
            let prefix = keys.withBytes(of: bucket) { Bits(bytes: UnsafeRawBufferPointer(rebasing: $0.dropFirst(3))) }
            if prefix.masked(to: block.prefix) == block.bits { visit(bucket) }
        }
        if let wide = Key.wide(block.family).withBytes({ keys.find($0) }) { visit(wide) }
    }

    private func exactKey(_ kind: SelectorKind, _ matchKey: String) -> UInt32? {
        var matchKey = matchKey
        return matchKey.withUTF8 { utf8 in
            Key.exact(Self.code(of: kind), UnsafeRawBufferPointer(utf8)).withBytes { keys.find($0) }
        }
    }

    private func forEachLiveEntry(underKey key: UInt32, _ body: (UInt32) -> Void) {
        var node = firstNode[Int(key)]
        while node != Self.none {
            let entry = nodeItem[Int(node)]
            if entryTarget[Int(entry)] != Self.none { body(entry) }
            node = nextNode[Int(node)]
        }
    }

    private func operationCount(underKey key: UInt32) -> Int {
        var operations: Set<UInt32> = []
        forEachLiveEntry(underKey: key) { operations.insert(entryOperation[Int($0)]) }
        return operations.count
    }

    private func entry(_ index: Int) -> CrossCheckEntry {
        let birth = entryBirth[index]
        return CrossCheckEntry(
            targetId: targetNames.string(of: entryTarget[index]),
            operationId: operationNames.string(of: entryOperation[index]),
            agencyId: agencyNames.string(of: entryAgency[index]), kind: Self.kinds[Int(entryKind[index])],
            matchKey: keys.string(of: entryKey[index], dropping: 2),
            dateOfBirth: birth == Self.none ? nil : birthNames.string(of: birth))
    }

    // MARK: Keys and addresses

    private static let kinds = SelectorKind.allCases

    private static func code(of kind: SelectorKind) -> UInt8 {
        switch kind {
        case .ip: 0
        case .cidr: 1
        case .domain: 2
        case .email: 3
        case .phone: 4
        case .url: 5
        case .wallet: 6
        case .person: 7
        }
    }

    /// Bucket lengths by family: IPv4 /8, /16, /24; IPv6 /32, /48, /64.
    private static let bucketLengths = [[8, 16, 24], [32, 48, 64]]

    /// The keys of the index, each a tag byte and what it names.
    private enum Key {
        /// A selector's kind and match key.
        case exact(UInt8, UnsafeRawBufferPointer)
        /// The domains recorded under a domain.
        case under(UnsafeRawBufferPointer)
        /// The points of a family whose first `length` bits are these.
        case bucket(Int, Int, Bits)
        /// The blocks of a family and prefix length with this network.
        case block(Int, Int, Bits)
        /// The blocks of a family wider than every bucket.
        case wide(Int)

        func withBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
            switch self {
            case .exact(let kind, let text): return Self.joined(1, kind, 0, count: 2, text, body)
            case .under(let text): return Self.joined(2, 0, 0, count: 1, text, body)
            case .bucket(let family, let length, let bits):
                return bits.withBytes(count: length / 8) {
                    Self.joined(3, UInt8(family), UInt8(length), count: 3, $0, body)
                }
            case .block(let family, let prefix, let bits):
                return bits.withBytes(count: (prefix + 7) / 8) {
                    Self.joined(4, UInt8(family), UInt8(prefix), count: 3, $0, body)
                }
            case .wide(let family):
                return Self.joined(5, UInt8(family), 0, count: 2, UnsafeRawBufferPointer(start: nil, count: 0), body)
            }
        }

        /// Up to three header bytes, then `tail`, on the stack.
        private static func joined<Result>(
            _ first: UInt8, _ second: UInt8, _ third: UInt8, count: Int, _ tail: UnsafeRawBufferPointer,
            _ body: (UnsafeRawBufferPointer) -> Result
        ) -> Result {
            withUnsafeTemporaryAllocation(byteCount: count + tail.count, alignment: 1) { buffer in
                buffer[0] = first
                if count > 1 { buffer[1] = second }
                if count > 2 { buffer[2] = third }
                if !tail.isEmpty { UnsafeMutableRawBufferPointer(rebasing: buffer[count...]).copyMemory(from: tail) }
                return body(UnsafeRawBufferPointer(buffer))
            }
        }
    }

    /// An address or network, left-aligned in 128 bits so that both families mask alike.
    struct Bits: Equatable {
        var high: UInt64
        var low: UInt64

        init(high: UInt64, low: UInt64) {
            self.high = high
            self.low = low
        }

        /// From up to 16 big-endian bytes, the rest zero.
        init(bytes: UnsafeRawBufferPointer) {
            var value = (UInt64(0), UInt64(0))
            withUnsafeMutableBytes(of: &value) {
                $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes.prefix(16)))
            }
            self.init(high: UInt64(bigEndian: value.0), low: UInt64(bigEndian: value.1))
        }

        init(_ address: IPAddress) {
            switch address {
            case .v4(let value): self.init(high: UInt64(value) << 32, low: 0)
            case .v6(let high, let low): self.init(high: high, low: low)
            }
        }

        func masked(to length: Int) -> Bits {
            let highMask: UInt64 = length >= 64 ? ~0 : (length <= 0 ? 0 : ~UInt64(0) << UInt64(64 - length))
            let lowMask: UInt64 = length <= 64 ? 0 : (length >= 128 ? ~0 : ~UInt64(0) << UInt64(128 - length))
            return Bits(high: high & highMask, low: low & lowMask)
        }

        func withBytes<Result>(count: Int, _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
            var value = (high.bigEndian, low.bigEndian)
            return withUnsafeBytes(of: &value) { body(UnsafeRawBufferPointer(rebasing: $0.prefix(count))) }
        }
    }

    private static func text(_ bytes: UnsafeRawBufferPointer) -> String { String(decoding: bytes, as: UTF8.self) }

    private static func address(_ matchKey: UnsafeRawBufferPointer) -> (family: Int, width: Int, bits: Bits)? {
        if let value = ipv4(matchKey) { return (0, 32, Bits(.v4(value))) }
        if let bits = ipv6(matchKey) { return (1, 128, bits) }
        guard let address = IPAddress(text(matchKey)) else { return nil }
        return (address.bitWidth == 32 ? 0 : 1, address.bitWidth, Bits(address))
    }

    private static func block(_ matchKey: UnsafeRawBufferPointer) -> (family: Int, prefix: Int, bits: Bits)? {
        if let slash = matchKey.firstIndex(of: UInt8(ascii: "/")),
            let value = ipv4(UnsafeRawBufferPointer(rebasing: matchKey[..<slash])),
            let prefix = decimal(UnsafeRawBufferPointer(rebasing: matchKey[(slash + 1)...])), prefix <= 32
        {
            return (0, prefix, Bits(.v4(value)).masked(to: prefix))
        }
        if let slash = matchKey.firstIndex(of: UInt8(ascii: "/")),
            let bits = ipv6(UnsafeRawBufferPointer(rebasing: matchKey[..<slash])),
            let prefix = decimal(UnsafeRawBufferPointer(rebasing: matchKey[(slash + 1)...])), prefix <= 128
        {
            return (1, prefix, bits.masked(to: prefix))
        }
        guard let block = CIDRBlock(text(matchKey)) else { return nil }
        return (block.network.bitWidth == 32 ? 0 : 1, block.prefixLength, Bits(block.network))
    }

    /// A dotted IPv4 address as the normaliser writes it (four decimal octets), read without
    /// making a string: most stored addresses are IPv4, and a rebuild reads them all. Anything
    /// else is left to ``IPAddress``.
    static func ipv4(_ bytes: UnsafeRawBufferPointer) -> UInt32? {
        var value: UInt32 = 0
        var octet: UInt32 = 0
        var digits = 0
        var dots = 0
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, dots < 3 else { return nil }
                value = value << 8 | octet
                (octet, digits, dots) = (0, 0, dots + 1)
            } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                octet = octet * 10 + UInt32(byte - UInt8(ascii: "0"))
                digits += 1
                guard digits <= 3, octet <= 255 else { return nil }
            } else {
                return nil
            }
        }
        guard dots == 3, digits > 0 else { return nil }
        return value << 8 | octet
    }

    /// An IPv6 address as the normaliser writes it (RFC 5952: hexadecimal groups, at most one
    /// `::`), read without making a string. Anything else (an IPv4 tail, say) is left to
    /// ``IPAddress``, and so is an address that maps an IPv4 one.
    static func ipv6(_ bytes: UnsafeRawBufferPointer) -> Bits? {
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var sawGap = false
        var group: UInt32 = 0
        var digits = 0
        var index = 0
        func finishGroup() -> Bool {
            guard digits > 0 else { return false }
            if sawGap { tail.append(UInt16(group)) } else { head.append(UInt16(group)) }
            (group, digits) = (0, 0)
            return true
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: ":") {
                if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: ":") {
                    guard !sawGap else { return nil }
                    if index > 0 { guard finishGroup() else { return nil } }
                    sawGap = true
                    index += 2
                    continue
                }
                guard finishGroup() else { return nil }
            } else if let value = hexDigit(byte) {
                group = group << 4 | value
                digits += 1
                guard digits <= 4 else { return nil }
            } else {
                return nil
            }
            index += 1
        }
        if digits > 0 {
            _ = finishGroup()
        } else if !(bytes.count >= 2 && bytes[bytes.count - 1] == UInt8(ascii: ":")
            && bytes[bytes.count - 2] == UInt8(ascii: ":"))
        {
            // Only a trailing "::" may end without a group.
            return nil
        }
        let count = head.count + tail.count
        guard sawGap ? count <= 7 : count == 8 else { return nil }
        let groups = head + Array(repeating: 0, count: 8 - count) + tail
        var high: UInt64 = 0
        var low: UInt64 = 0
        for group in groups[0..<4] { high = high << 16 | UInt64(group) }
        for group in groups[4..<8] { low = low << 16 | UInt64(group) }
        // IPv4-mapped addresses are IPv4 addresses: left to ``IPAddress``.
        guard !(high == 0 && low >> 32 == 0xFFFF) else { return nil }
        return Bits(high: high, low: low)
    }

    private static func hexDigit(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    private static func decimal(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard (1...3).contains(bytes.count) else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// The domains a domain lies under, down to two labels: `a.b.example.com` →
    /// `b.example.com`, `example.com`. A bare top-level domain never counts.
    private static func forEachParent(of domain: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
        var dots: [Int] = []
        for (offset, byte) in domain.enumerated() where byte == UInt8(ascii: ".") { dots.append(offset) }
        guard dots.count >= 2 else { return }
        for dot in dots.dropLast() {
            body(UnsafeRawBufferPointer(rebasing: domain[(dot + 1)...]))
        }
    }
}
