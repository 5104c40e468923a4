/// Punycode (RFC 3492), the encoding of internationalised domain labels as `xn--…`.
enum Punycode {
    private static let base = 36
    private static let tMin = 1
    private static let tMax = 26
    private static let skew = 38
    private static let damp = 700
    private static let initialBias = 72
    private static let initialN = 128

    private static func adapt(_ delta: Int, _ numPoints: Int, _ firstTime: Bool) -> Int {
        var delta = firstTime ? delta / damp : delta / 2
        delta += delta / numPoints
        var k = 0
        while delta > ((base - tMin) * tMax) / 2 {
            delta /= base - tMin
            k += base
        }
        return k + (((base - tMin + 1) * delta) / (delta + skew))
    }

    private static func digit(_ value: Int) -> Character {
        let scalar = value < 26 ? 97 + value : 22 + value  // a-z, then 0-9
        return Character(Unicode.Scalar(UInt8(scalar)))
    }

    /// Encodes one label's scalars; `nil` on overflow.
    static func encode(_ label: String) -> String? {
        let input = label.unicodeScalars.map { Int($0.value) }
        var output = String(label.unicodeScalars.filter(\.isASCII).map(Character.init))
        let basicCount = output.count
        var handled = basicCount
        if basicCount > 0 { output.append("-") }
        var n = initialN
        var delta = 0
        var bias = initialBias
        while handled < input.count {
            guard let m = input.filter({ $0 >= n }).min() else { return nil }
            let (product, overflow) = (m - n).multipliedReportingOverflow(by: handled + 1)
            guard !overflow else { return nil }
            delta += product
            n = m
            for codePoint in input {
                if codePoint < n { delta += 1 }
                if codePoint == n {
                    var q = delta
                    var k = base
                    while true {
                        let t = k <= bias ? tMin : (k >= bias + tMax ? tMax : k - bias)
                        if q < t { break }
                        output.append(digit(t + (q - t) % (base - t)))
                        q = (q - t) / (base - t)
                        k += base
                    }
                    output.append(digit(q))
                    bias = adapt(delta, handled + 1, handled == basicCount)
                    delta = 0
                    handled += 1
                }
            }
            delta += 1
            n += 1
        }
        return output
    }

    /// Decodes the part of a label after `xn--`; `nil` when it is not valid Punycode.
    static func decode(_ encoded: String) -> String? {
        var output: [Unicode.Scalar] = []
        var rest = Substring(encoded)
        if let dash = encoded.lastIndex(of: "-") {
            let basic = encoded[..<dash]
            guard basic.unicodeScalars.allSatisfy(\.isASCII) else { return nil }
            output = Array(basic.unicodeScalars)
            rest = encoded[encoded.index(after: dash)...]
        }
        var n = initialN
        var i = 0
        var bias = initialBias
        var scalars = Array(rest.unicodeScalars)[...]
        while !scalars.isEmpty {
            let oldI = i
            var w = 1
            var k = base
            while true {
                guard let scalar = scalars.popFirst() else { return nil }
                let value: Int
                switch scalar.value {
                case 97...122: value = Int(scalar.value) - 97
                case 65...90: value = Int(scalar.value) - 65
                case 48...57: value = Int(scalar.value) - 22
                default: return nil
                }
                let (step, overflow) = value.multipliedReportingOverflow(by: w)
                guard !overflow, i <= Int.max - step else { return nil }
                i += step
                let t = k <= bias ? tMin : (k >= bias + tMax ? tMax : k - bias)
                if value < t { break }
                w *= base - t
                guard w < 1 << 40 else { return nil }
                k += base
            }
            bias = adapt(i - oldI, output.count + 1, oldI == 0)
            n += i / (output.count + 1)
            i %= output.count + 1
            guard n <= 0x10FFFF, let scalar = Unicode.Scalar(UInt32(n)) else { return nil }
            output.insert(scalar, at: i)
            i += 1
        }
        var result = ""
        result.unicodeScalars.append(contentsOf: output)
        return result
    }
}
