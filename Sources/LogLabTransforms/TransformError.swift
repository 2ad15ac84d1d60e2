import LogLabCore

/// Everything that can go wrong in this module, each a one-line cause.
public enum TransformError: Error, CustomStringConvertible, Equatable {
    case invalidSelection(String, String)
    case corruptModel(String)
    case unsupportedModelVersion(Int)
    case corruptFrame(String)

    public var description: String {
        switch self {
        case .invalidSelection(let text, let why): "invalid transform selection '\(text)': \(why)"
        case .corruptModel(let why): "corrupt transform model: \(why)"
        case .unsupportedModelVersion(let v): "transform model version \(v) is newer than this build understands"
        case .corruptFrame(let why): "corrupt transformed frame: \(why)"
        }
    }
}

extension TransformError {
    static func frame(_ e: Error) -> TransformError {
        if let t = e as? TransformError { return t }
        if let r = e as? ByteReaderError { return .corruptFrame(r.description) }
        return .corruptFrame("\(e)")
    }
}
