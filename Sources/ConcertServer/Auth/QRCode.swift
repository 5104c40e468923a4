/// A QR code (ISO/IEC 18004) of a short text, drawn by the server itself, so that setting up
/// a second factor sends the secret to no outside service: byte mode, error correction level
/// M (15 % of the symbol may be damaged), versions 1 to 10 (up to 213 bytes: an `otpauth://`
/// address needs about 120).
struct QRCode {
    /// The modules, row by row: true is dark.
    let modules: [[Bool]]
    var size: Int { modules.count }

    /// Errors correction level M's block structure of versions 1 to 10: codewords of error
    /// correction per block, and the blocks as (count, data codewords each).
    private static let blocks: [(ecc: Int, groups: [(count: Int, data: Int)])] = [
        (10, [(1, 16)]), (16, [(1, 28)]), (26, [(1, 44)]), (18, [(2, 32)]), (24, [(2, 43)]),
        (16, [(4, 27)]), (18, [(4, 31)]), (22, [(2, 38), (2, 39)]), (22, [(3, 36), (2, 37)]),
        (26, [(4, 43), (1, 44)]),
    ]
    /// The centres of the alignment patterns' rows and columns, versions 1 to 10.
    private static let alignment: [[Int]] = [
        [], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34], [6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50],
    ]

    /// The code of `text`, or nil when it is longer than version 10 holds.
    init?(_ text: String) {
        let bytes = Array(text.utf8)
        var chosen: Int?
        for version in 1...10 {
            let capacity = Self.blocks[version - 1].groups.reduce(0) { $0 + $1.count * $1.data }
            let countBits = version < 10 ? 8 : 16
            if 4 + countBits + bytes.count * 8 <= capacity * 8 {
                chosen = version
                break
            }
        }
        guard let version = chosen else { return nil }
        var matrix = Matrix(version: version)
        matrix.drawFunctionPatterns(alignment: Self.alignment[version - 1])
        matrix.drawCodewords(Self.codewords(bytes, version: version))
        // The mask that leaves the fewest patterns a reader could mistake (ISO 18004's penalty).
        var best: (penalty: Int, matrix: Matrix)?
        for mask in 0..<8 {
            var masked = matrix
            masked.apply(mask: mask)
            masked.drawFormatBits(mask: mask)
            let penalty = masked.penalty()
            if best == nil || penalty < best!.penalty { best = (penalty, masked) }
        }
        modules = best!.matrix.modules
    }

    /// The code as an SVG image with its quiet zone of four modules, `pixels` wide.
    func svg(pixels: Int, label: String) -> String {
        let width = size + 8
        var path = ""
        for (y, row) in modules.enumerated() {
            for (x, dark) in row.enumerated() where dark {
                path += "M\(x + 4) \(y + 4)h1v1h-1z"
            }
        }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(width) \(width)" width="\(pixels)" height="\(pixels)" \
            role="img" aria-label="\(label)" shape-rendering="crispEdges"><rect width="\(width)" height="\(width)" \
            fill="#fff"/><path d="\(path)" fill="#000"/></svg>
            """
    }

    /// The data and error correction codewords, interleaved as the symbol holds them.
    private static func codewords(_ bytes: [UInt8], version: Int) -> [UInt8] {
        let structure = blocks[version - 1]
        let capacity = structure.groups.reduce(0) { $0 + $1.count * $1.data }
        var bits: [Bool] = []
        func append(_ value: Int, _ count: Int) {
            for shift in stride(from: count - 1, through: 0, by: -1) { bits.append((value >> shift) & 1 == 1) }
        }
        append(0b0100, 4)
        append(bytes.count, version < 10 ? 8 : 16)
        for byte in bytes { append(Int(byte), 8) }
        append(0, min(4, capacity * 8 - bits.count))
        while bits.count % 8 != 0 { bits.append(false) }
        var data: [UInt8] = stride(from: 0, to: bits.count, by: 8).map { start in
            bits[start..<start + 8].reduce(0) { $0 << 1 | ($1 ? 1 : 0) }
        }
        var pad: UInt8 = 0xEC
        while data.count < capacity {
            data.append(pad)
            pad = pad == 0xEC ? 0x11 : 0xEC
        }
        let divisor = ReedSolomon.divisor(degree: structure.ecc)
        var dataBlocks: [[UInt8]] = []
        var start = 0
        for group in structure.groups {
            for _ in 0..<group.count {
                dataBlocks.append(Array(data[start..<start + group.data]))
                start += group.data
            }
        }
        let eccBlocks = dataBlocks.map { ReedSolomon.remainder(of: $0, by: divisor) }
        var result: [UInt8] = []
        for index in 0..<(dataBlocks.map(\.count).max() ?? 0) {
            for block in dataBlocks where index < block.count { result.append(block[index]) }
        }
        for index in 0..<structure.ecc {
            for block in eccBlocks { result.append(block[index]) }
        }
        return result
    }

    /// The symbol being drawn: its modules, and which of them are function patterns.
    private struct Matrix {
        let version: Int
        let size: Int
        var modules: [[Bool]]
        var isFunction: [[Bool]]

        init(version: Int) {
            self.version = version
            size = version * 4 + 17
            modules = Array(repeating: Array(repeating: false, count: size), count: size)
            isFunction = modules
        }

        mutating func set(_ x: Int, _ y: Int, _ dark: Bool) {
            modules[y][x] = dark
            isFunction[y][x] = true
        }

        mutating func drawFunctionPatterns(alignment: [Int]) {
            for index in 0..<size {
                set(6, index, index % 2 == 0)
                set(index, 6, index % 2 == 0)
            }
            for (x, y) in [(3, 3), (size - 4, 3), (3, size - 4)] {
                for dy in -4...4 {
                    for dx in -4...4 where (0..<size).contains(x + dx) && (0..<size).contains(y + dy) {
                        let distance = max(abs(dx), abs(dy))
                        set(x + dx, y + dy, distance != 2 && distance != 4)
                    }
                }
            }
            let last = alignment.count - 1
            for (i, x) in alignment.enumerated() {
                for (j, y) in alignment.enumerated() {
                    if (i == 0 && j == 0) || (i == 0 && j == last) || (i == last && j == 0) { continue }
                    for dy in -2...2 {
                        for dx in -2...2 { set(x + dx, y + dy, max(abs(dx), abs(dy)) != 1) }
                    }
                }
            }
            // Reserved until the mask is chosen.
            drawFormatBits(mask: 0)
            if version >= 7 {
                var remainder = version
                for _ in 0..<12 { remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25) }
                let bits = version << 12 | remainder
                for index in 0..<18 {
                    let dark = (bits >> index) & 1 == 1
                    let a = size - 11 + index % 3
                    let b = index / 3
                    set(a, b, dark)
                    set(b, a, dark)
                }
            }
        }

        mutating func drawFormatBits(mask: Int) {
            // Level M is 00.
            let data = 0 << 3 | mask
            var remainder = data
            for _ in 0..<10 { remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537) }
            let bits = (data << 10 | remainder) ^ 0x5412
            func bit(_ index: Int) -> Bool { (bits >> index) & 1 == 1 }
            for index in 0...5 { set(8, index, bit(index)) }
            set(8, 7, bit(6))
            set(8, 8, bit(7))
            set(7, 8, bit(8))
            for index in 9..<15 { set(14 - index, 8, bit(index)) }
            for index in 0..<8 { set(size - 1 - index, 8, bit(index)) }
            for index in 8..<15 { set(8, size - 15 + index, bit(index)) }
            set(8, size - 8, true)
        }

        mutating func drawCodewords(_ data: [UInt8]) {
            var index = 0
            var right = size - 1
            while right >= 1 {
                if right == 6 { right = 5 }
                for vertical in 0..<size {
                    for offset in 0..<2 {
                        let x = right - offset
                        let upward = (right + 1) & 2 == 0
                        let y = upward ? size - 1 - vertical : vertical
                        if !isFunction[y][x] && index < data.count * 8 {
                            modules[y][x] = (data[index >> 3] >> (7 - (index & 7))) & 1 == 1
                            index += 1
                        }
                    }
                }
                right -= 2
            }
        }

        mutating func apply(mask: Int) {
            for y in 0..<size {
                for x in 0..<size where !isFunction[y][x] {
                    let flip: Bool
                    switch mask {
                    case 0: flip = (x + y) % 2 == 0
                    case 1: flip = y % 2 == 0
                    case 2: flip = x % 3 == 0
                    case 3: flip = (x + y) % 3 == 0
                    case 4: flip = (x / 3 + y / 2) % 2 == 0
                    case 5: flip = x * y % 2 + x * y % 3 == 0
                    case 6: flip = (x * y % 2 + x * y % 3) % 2 == 0
                    default: flip = ((x + y) % 2 + x * y % 3) % 2 == 0
                    }
                    if flip { modules[y][x].toggle() }
                }
            }
        }

        /// Runs of five or more, 2×2 blocks, finder-like rows and columns, and imbalance.
        func penalty() -> Int {
            var total = 0
            func lines(_ transpose: Bool) -> [[Bool]] {
                transpose ? (0..<size).map { x in (0..<size).map { modules[$0][x] } } : modules
            }
            let finderLike: [Bool] = [true, false, true, true, true, false, true, false, false, false, false]
            for transpose in [false, true] {
                for line in lines(transpose) {
                    var run = 1
                    for index in 1..<size {
                        if line[index] == line[index - 1] {
                            run += 1
                        } else {
                            if run >= 5 { total += run - 2 }
                            run = 1
                        }
                    }
                    if run >= 5 { total += run - 2 }
                    for start in 0...(size - finderLike.count) {
                        let window = Array(line[start..<start + finderLike.count])
                        if window == finderLike || window == finderLike.reversed() { total += 40 }
                    }
                }
            }
            for y in 0..<size - 1 {
                for x in 0..<size - 1 {
                    let dark = modules[y][x]
                    if modules[y][x + 1] == dark && modules[y + 1][x] == dark && modules[y + 1][x + 1] == dark {
                        total += 3
                    }
                }
            }
            let dark = modules.reduce(0) { $0 + $1.filter { $0 }.count }
            let percent = dark * 100 / (size * size)
            total += abs(percent - 50) / 5 * 10
            return total
        }
    }
}

/// Reed–Solomon error correction over GF(256) with the polynomial 0x11D, as QR codes use it.
enum ReedSolomon {
    static func multiply(_ x: UInt8, _ y: UInt8) -> UInt8 {
        var product = 0
        for shift in stride(from: 7, through: 0, by: -1) {
            product = (product << 1) ^ ((product >> 7) * 0x11D)
            product ^= Int((y >> UInt8(shift)) & 1) * Int(x)
        }
        return UInt8(product & 0xFF)
    }

    /// The generator polynomial of `degree`, its leading 1 left out.
    static func divisor(degree: Int) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: degree)
        result[degree - 1] = 1
        var root: UInt8 = 1
        for _ in 0..<degree {
            for index in 0..<degree {
                result[index] = multiply(result[index], root)
                if index + 1 < degree { result[index] ^= result[index + 1] }
            }
            root = multiply(root, 0x02)
        }
        return result
    }

    /// The error correction codewords of `data`.
    static func remainder(of data: [UInt8], by divisor: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: divisor.count)
        for byte in data {
            let factor = byte ^ result[0]
            result.removeFirst()
            result.append(0)
            for index in result.indices { result[index] ^= multiply(divisor[index], factor) }
        }
        return result
    }
}
