/// What each transform contributed, from an encoder with `collectStats` on: bytes of the
/// original values and of their coded form per field path, and totals per transform.
public struct TransformStats: Sendable, Equatable, CustomStringConvertible {
    public struct Field: Sendable, Equatable {
        public var path: String
        /// The codings applied, e.g. `derived+timestamp`, `enum+uuid`, `text`.
        public var transform: String
        public var values = 0
        public var bytesIn = 0
        public var bytesOut = 0
        /// Values the transform could not represent, kept as text.
        public var escaped = 0
    }

    public var records = 0
    public var inputBytes = 0
    /// Encoded frame bytes (before the codec).
    public var outputBytes = 0
    /// Records that were not JSON (or not representable) and travelled verbatim.
    public var verbatimRecords = 0
    public var verbatimBytes = 0
    /// Shapes not in the model, carried literally (once per frame).
    public var literalShapes = 0
    /// Bytes of structure (keys, punctuation, whitespace) replaced by shape ids.
    public var structureBytesIn = 0
    public var fields: [String: Field] = [:]

    public init() {}

    mutating func add(path: String, transform: String, values: Int, bytesIn: Int, bytesOut: Int, escaped: Int) {
        var f = fields[path] ?? Field(path: path, transform: transform)
        f.values += values; f.bytesIn += bytesIn; f.bytesOut += bytesOut; f.escaped += escaped
        fields[path] = f
    }

    /// Totals per transform name: (values, bytes in, bytes out).
    public var byTransform: [String: (values: Int, bytesIn: Int, bytesOut: Int)] {
        var out: [String: (values: Int, bytesIn: Int, bytesOut: Int)] = [:]
        for f in fields.values {
            let t = out[f.transform] ?? (0, 0, 0)
            out[f.transform] = (t.values + f.values, t.bytesIn + f.bytesIn, t.bytesOut + f.bytesOut)
        }
        return out
    }

    /// A plain-text table, largest coded fields first.
    public var description: String {
        var lines = ["records \(records), input \(inputBytes) B, encoded \(outputBytes) B, verbatim \(verbatimRecords) records (\(verbatimBytes) B), literal shapes \(literalShapes), structure \(structureBytesIn) B"]
        lines.append("path | transform | values | bytes in | bytes out | escaped")
        for f in fields.values.sorted(by: { $0.bytesOut > $1.bytesOut }) {
            lines.append("\(f.path) | \(f.transform) | \(f.values) | \(f.bytesIn) | \(f.bytesOut) | \(f.escaped)")
        }
        return lines.joined(separator: "\n")
    }
}
