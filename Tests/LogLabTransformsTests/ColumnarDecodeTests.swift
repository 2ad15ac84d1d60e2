import Testing
import LogLabCore
@testable import LogLabTransforms

@Suite struct ColumnarDecodeTests {
    func decode(_ lines: [String], _ paths: [String]) throws -> [DecodedColumn] {
        let d = ColumnarDecoder(paths: paths)
        d.append(RecordBatch(lines.map { Array($0.utf8) }))
        return try d.finish()
    }

    func int64s(_ c: DecodedColumn) -> [Int64] {
        c.values.withUnsafeBytes { Array($0.bindMemory(to: Int64.self)) }
    }

    func strings(_ c: DecodedColumn) -> [String] {
        (0..<c.length).map { i in String(decoding: c.data[Int(c.offsets[i])..<Int(c.offsets[i + 1])], as: UTF8.self) }
    }

    @Test func typesFollowTheValues() throws {
        let cols = try decode([
            #"{"a":{"n":1,"s":"x\"y","t":"2021-12-26T15:10:59.884+09:00","b":true}}"#,
            #"{"a":{"n":-7,"s":"\u00e9","t":"2021-12-26T15:11:00.000+09:00","b":false}}"#,
            #"not json"#,
            #"{"a":{"n":null}}"#,
        ], ["a.n", "a.s", "a.t", "a.b", "a.missing"])
        #expect(cols.map(\.kind) == [.int64, .string, .timestamp, .bool, .null])
        #expect(int64s(cols[0])[0...1] == [1, -7])
        #expect(cols[0].nullCount == 2 && cols[0].validity == [0b0011])
        #expect(strings(cols[1])[0...1] == ["x\"y", "é"])
        #expect(cols[2].zone == "+09:00" && cols[2].timeUnitDigits == 3)
        #expect(int64s(cols[2])[0] == 1_640_499_059_884)
        #expect(cols[4].nullCount == 4)
    }

    @Test func numbersThatDoNotFitKeepTheirText() throws {
        let cols = try decode([#"{"x":18446744073709551615,"y":1.5,"z":2}"#, #"{"x":1,"y":2,"z":"two"}"#],
                              ["x", "y", "z"])
        #expect(cols.map(\.kind) == [.json, .float64, .json])
        #expect(strings(cols[0]) == ["18446744073709551615", "1"])
        #expect(strings(cols[2]) == ["2", "\"two\""])
    }

    @Test func arraysBecomeLists() throws {
        let cols = try decode([#"{"l":[1,2,3]}"#, #"{"l":[]}"#, #"{"l":null}"#, #"{"l":[4]}"#], ["l"])
        #expect(cols[0].kind == .list)
        #expect(cols[0].offsets == [0, 3, 3, 3, 4])
        #expect(cols[0].child.first.map(int64s) == [1, 2, 3, 4])
        #expect(cols[0].nullCount == 1)
    }

    @Test func lastDuplicateWinsAndDottedKeysMatch() throws {
        let cols = try decode([#"{"k":"first","k":"last","id.orig":"dotted"}"#], ["k", "id.orig"])
        #expect(strings(cols[0]) == ["last"])
        #expect(strings(cols[1]) == ["dotted"])
    }

    @Test func discoveryFlattensObjects() throws {
        let d = ColumnarDecoder(paths: [])
        d.append(RecordBatch([Array(#"{"a":{"b":1},"c":"x"}"#.utf8), Array(#"{"c":"y","d":[true]}"#.utf8)]))
        let cols = try d.finish()
        #expect(d.names == ["a.b", "c", "d"])
        #expect(cols.map(\.length) == [2, 2, 2])
        #expect(cols[0].nullCount == 1 && cols[2].nullCount == 1)
    }

    @Test func discoveryKeepsSparseColumnsToTheirRows() throws {
        // Every record has a key of its own, `r` comes and goes, `b` spans most rows.
        let d = ColumnarDecoder(paths: [])
        d.append(RecordBatch((0..<100).map { i in
            Array(#"{"a":\#(i),"k\#(i)":"v\#(i)","r\#(i % 20)":\#(i)\#(i == 10 || i == 80 ? #","b":true"# : "")}"#.utf8)
        }))
        let cols = try d.finish()
        let names = d.names
        #expect(names.count == 1 + 100 + 20 + 1)
        let a = names.firstIndex(of: "a")!, k = names.firstIndex(of: "k37")!
        let r = names.firstIndex(of: "r3")!, b = names.firstIndex(of: "b")!
        #expect(cols[a].length == 100 && cols[a].firstRow == 0 && int64s(cols[a]) == (0..<100).map { Int64($0) })
        // A key met once: that row only, where it is.
        #expect(cols[k].length == 1 && cols[k].firstRow == 37 && cols[k].nullCount == 0 && strings(cols[k]) == ["v37"])
        // Found again through the key index (more than 16 keys in one object): one column,
        // rows 3 to 83 of 100, so every row.
        #expect(cols[r].length == 100 && cols[r].firstRow == 0 && cols[r].nullCount == 95)
        #expect(int64s(cols[r]).enumerated().filter { $0.offset % 20 == 3 }.map(\.element) == [3, 23, 43, 63, 83])
        // First met at row 10: its rows are filled in from there.
        #expect(cols[b].length == 100 && cols[b].firstRow == 0 && cols[b].nullCount == 98)
        #expect(cols[b].validity == [UInt8](repeating: 0, count: 13).enumerated().map { $0.offset == 1 ? 0b100 : $0.offset == 10 ? 1 : 0 })
    }

    @Test func malformedRecordsAreMissingNotFatal() throws {
        let bad = ["{", "{\"a\":", "{\"a\":1,}", "{\"a\":\"\u{01}\"}", "{\"a\":01}", "{\"a\":1} x", "", "[", "\"\\u12\""]
        let cols = try decode(bad + [#"{"a":5}"#], ["a"])
        #expect(cols[0].kind == .int64)
        #expect(cols[0].nullCount == bad.count)
        #expect(int64s(cols[0]).last == 5)
    }
}
