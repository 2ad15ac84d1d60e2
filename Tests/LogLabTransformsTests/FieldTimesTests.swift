import Foundation
import Testing
import LogLabCore
@testable import LogLabTransforms

/// The container index dates frames with `FrameEncoder.encode(_:timeField:)`, which reads the
/// time field from the tokenizer's output instead of searching each record. It must give
/// exactly what `TimeField.time(in:)` gives, record by record, on odd inputs too.
@Suite struct FieldTimesTests {
    /// Records where a search by text could go astray: the key inside other keys and
    /// values, escaped quotes, nested and repeated keys, arrays, epoch numbers, missing and
    /// malformed times, a literal dotted key, spaces around colons, non-JSON lines.
    static let records: [String] = [
        #"{"timestamp":"2021-12-26T00:00:08Z","a":1}"#,
        #"{"a":"x\"timestamp\":\"1999-01-01T00:00:00Z","timestamp":"2021-12-26T00:00:09.123+09:00"}"#,
        #"{"note":"\"timestamp\"","timestamp" : 1640476808000}"#,
        #"{"x\"timestamp":"2020-01-01T00:00:00Z","timestamp":"2021-12-26T00:00:10Z"}"#,
        #"{"n":{"timestamp":"2001-02-03T04:05:06Z"},"timestamp":"2021-12-26T00:00:11Z"}"#,
        #"{"_source":{"a":"timestamp","b":{"timestamp":"1990-01-01T00:00:00Z"},"timestamp":"2021-12-26T00:00:12.5Z"},"timestamp":"2021-12-26T00:00:13Z"}"#,
        #"{"_source":{"timestamp":["2021-12-26T00:00:14Z"]}}"#,
        #"{"_source":{"timestamp":{"nested":1}},"timestamp":1640476815}"#,
        #"{"_source":"flat","timestamp":"not a time"}"#,
        #"{"_source.timestamp":"2021-12-26T00:00:16Z","id.orig_h":"10.0.0.1"}"#,
        #"{"_source":{"other":1},"_source.timestamp":"2021-12-26T00:00:17Z"}"#,
        #"{"ts":1.6405e9,"timestamp":null,"_source":{"timestamp":true}}"#,
        #"{"timestamp":"2021-12-26 00:00:18Z","ts":"1640476818123"}"#,
        #"{"timestamp":"2021-12-26T00:00:19.123456789-05:30"}"#,
        #"{"a":[{"timestamp":"2021-12-26T00:00:20Z"}],"b":[1,2,{"c":"d"}]}"#,
        #"{"unicode":"호랑이","timestamp":"2021-12-26T00:00:21Z"}"#,
        #"  { "timestamp" :\#t"2021-12-26T00:00:22Z" , "_source" : { "timestamp" : 1640476823 } }  "#,
        #"{"timestamp":"2021-12-26T00:00:24Z","timestamp":"2021-12-26T00:00:25Z"}"#,
        #"not json "timestamp":"2021-12-26T00:00:26Z""#,
        #"{"timestamp":"2021-12-26T00:00:27Z""#,
        #"{"":1,"timestamp":-1}"#,
        #"[1,{"timestamp":"2021-12-26T00:00:28Z"}]"#,
        #"{"ts":"x","_source":{"timestamp":"2021-12-26T00:00:29Z","ts":12}}"#,
        "",
    ]

    static let fields = ["timestamp", "_source.timestamp", "ts", "id.orig_h", "a.timestamp", "_source", "@timestamp",
                         ":x", "x\"y", ",a", "}", "", "a..b", "timestamp.x"]

    /// Each record's time through the encoder (a frame of that record alone, so the span is
    /// its time) and through `TimeField`; frames of all records also give the same span.
    static func check(model: TransformModel, _ batch: RecordBatch) {
        for name in fields {
            let field = TimeField(name)
            var encoder = FrameEncoder(model: model)
            for i in 0..<batch.count {
                let want = batch.withRecord(i) { field.time(in: $0) }
                let (payload, span) = encoder.encode(batch.slice(i..<(i + 1)), timeField: field)
                #expect(span.min == want && span.max == want, "field \(name), record \(i)")
                #expect(payload == encoder.encode(batch.slice(i..<(i + 1))), "field \(name), record \(i): same payload")
            }
            for per in [3, 8, batch.count] {
                var start = 0
                while start < batch.count {
                    let frame = batch.slice(start..<min(start + per, batch.count))
                    #expect(encoder.encode(frame, timeField: field).times == TimeSpan.of(frame, field), "field \(name), frame at \(start)")
                    start += per
                }
            }
        }
    }

    @Test func shapesOfTheModelAndOfTheFrameGiveTheTimesASearchGives() {
        let batch = RecordBatch(Self.records.map { Array($0.utf8) })
        // Learned from the records (each seen often): their shapes are the model's.
        let often = RecordBatch((0..<12).flatMap { _ in Self.records.map { Array($0.utf8) } })
        Self.check(model: TransformModel.learn(from: often, selection: .all), batch)
        // Learned from other records: the shapes are the frame's own.
        let other = RecordBatch((0..<20).map { Array(#"{"k":\#($0),"v":"w"}"#.utf8) })
        Self.check(model: TransformModel.learn(from: other, selection: .all), batch)
        // Templates and no transforms search each record.
        Self.check(model: TransformModel.learn(from: batch, selection: .none), batch)
    }

    @Test func whichPathsAreFoundByShape() {
        for name in ["timestamp", "_source.timestamp", "@timestamp", "id.orig_h", "a0", "x:y"] {
            #expect(TimeField(name).isFoundByShape, "\(name)")
        }
        for name in ["", "a..b", ":x", ",a", "}", "]", " a", "x\"y", "x\\y", "a.", "\u{1}"] {
            #expect(!TimeField(name).isFoundByShape, "\(name)")
        }
    }
}

/// `JSONSplitter.split(_:as:)` (a record checked against the previous record's shape) must
/// give exactly the value ranges `split` gives, and refuse every record whose shape differs.
@Suite struct GuidedSplitTests {
    static let records: [String] = FieldTimesTests.records + [
        #"{"a":1,"b":"x"}"#, #"{"a":-2.5e3,"b":"y\"z"}"#, #"{"a":true,"b":null}"#, #"{"a":false,"b":"\\"}"#,
        #"{"a":1,"b":"x" }"#, #"{"a":1 ,"b":"x"}"#, #"{"a":1,"b":{"c":1}}"#, #"{"a":1,"b":[1]}"#, #"{"a":1,"c":"x"}"#,
        #"{"a":1,"b":"x"}x"#, #"{"a":1,"b":"x""#, #"{"a":tru,"b":"x"}"#, #"{"a":1,"b":"x\u0001"}"#, #"{"a":"#,
        #"{"a":1,"b":"x","d":2}"#, #"{"a":1}"#, #"{"a":--1,"b":"1"}"#, #"{"a":"","b":""}"#, "{\"a\":1,\"b\":\"\u{1}\"}",
        #"[1,2]"#, #"[1,"2"]"#, #"[1,2,3]"#, #"1"#, #""x""#, #"{}"#, #"[]"#,
    ]

    static func shape(of splitter: JSONSplitter) -> ShapeRT {
        let bytes = Array(splitter.shapeBuffer)
        return ShapeRT(FieldModel.shapeInfo(bytes: bytes, slotColumns: [Int32](repeating: 0, count: splitter.valueCount), level: { _ in 0 }))
    }

    @Test func guidedSplitsAgreeWithSplit() {
        let plain = JSONSplitter(), guided = JSONSplitter()
        let all = Self.records.map { Array($0.utf8) }
        var matched = 0
        for a in all {
            guard a.withUnsafeBytes({ plain.split($0) }) else { continue }
            let known = Self.shape(of: plain)
            for b in all {
                let viaShape = b.withUnsafeBytes { guided.split($0, as: known) }
                let ok = b.withUnsafeBytes { plain.split($0) }
                let same = ok && Array(plain.shapeBuffer) == Array(UnsafeBufferPointer(start: known.bytes, count: known.byteCount))
                #expect(viaShape == same, "\(String(decoding: a, as: UTF8.self)) vs \(String(decoding: b, as: UTF8.self))")
                guard viaShape, same else { continue }
                matched += 1
                #expect(guided.valueCount == plain.valueCount)
                for k in 0..<plain.valueCount {
                    #expect(guided.valueStart[k] == plain.valueStart[k] && guided.valueEnd[k] == plain.valueEnd[k])
                }
            }
        }
        #expect(matched > 10)
    }
}
