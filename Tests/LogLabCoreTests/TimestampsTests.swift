import Testing
import LogLabCore

@Suite struct TimestampsTests {
    static let t0: Int64 = 1_640_531_464_000   // 2021-12-26T15:11:04Z

    @Test func isoLayouts() {
        let same = ["2021-12-26T15:11:04Z", "2021-12-26T15:11:04.000Z", "2021-12-26 15:11:04Z", "2021-12-26t15:11:04z",
                    "2021-12-26T15:11:04", "2021-12-27T00:11:04+09:00", "2021-12-27T00:11:04+0900", "2021-12-27T00:11:04+09",
                    "2021-12-26T10:11:04-05:00", "2021-12-26T15:11:04,000Z"]
        for s in same { #expect(Timestamps.parseISO8601(s) == Self.t0, "\(s)") }
        #expect(Timestamps.parseISO8601("2021-12-26T15:10:59.884+09:00") == 1_640_499_059_884)
        #expect(Timestamps.parseISO8601("2021-12-26T15:11:04.123456789Z") == Self.t0 + 123)
        #expect(Timestamps.parseISO8601("2021-12-26") == 1_640_476_800_000)
        #expect(Timestamps.parseISO8601("2021-12-26 15:11") == 1_640_531_460_000)
        #expect(Timestamps.parseISO8601("2021-12-26T15:11+09:00") == Int64(1_640_499_060_000))
        #expect(Timestamps.parseISO8601("1970-01-01T00:00:00Z") == 0)
        #expect(Timestamps.parseISO8601("1969-12-31T23:59:59.999Z") == -1)
        #expect(Timestamps.parseISO8601("2016-12-31T23:59:60Z") == Timestamps.parseISO8601("2017-01-01T00:00:00Z"))
    }

    @Test func impossibleOrMalformedTimesAreRejected() {
        for s in ["2021-02-30", "2021-02-29T00:00:00Z", "2021-04-31", "2021-13-01", "2021-00-10", "2021-12-00",
                  "2021-12-26T24:00:00Z", "2021-12-26T15:60:00Z", "2021-12-26T15:11:61Z", "2021-12-26T15:11:04.Z",
                  "2021-12-26T15:11:04+25:00", "2021-12-26T15:11:04+09:60", "2021-12-26T15:11:04ZZ", "2021-12-26T",
                  "2021-12-26X15:11", "21-12-26", "yesterday", "", "2021-12-26T15:11:04 extra"] {
            #expect(Timestamps.parseISO8601(s) == nil, "\(s)")
        }
        #expect(Timestamps.parseISO8601("2020-02-29") != nil)   // a leap year
        #expect(Timestamps.parseISO8601("2000-02-29") != nil)
        #expect(Timestamps.parseISO8601("1900-02-29") == nil)
    }

    @Test func epochsByMagnitude() {
        for s in ["1640531464", "1640531464000", "1640531464000000", "1640531464000000000", "1640531464.0",
                  "1.640531464e9", "1.640531464E+12", "1640531464e0"] {
            #expect(Timestamps.parse(s) == Self.t0, "\(s)")
        }
        #expect(Timestamps.parse("1640531464.5") == Self.t0 + 500)
        #expect(Timestamps.parse("1.5e9") == 1_500_000_000_000)
        #expect(Timestamps.parse("1591367999.305988") == 1_591_367_999_305)
        #expect(Timestamps.parse("0") == 0)
        #expect(Timestamps.parse("-1") == -1000)
        for s in ["", "-", "1e", "1.", ".5", "1.5e9999", "12ab", "0x10", "1e1000", "nan", "inf", "1..2"] {
            #expect(Timestamps.parse(s) == nil, "\(s)")
        }
    }

    @Test func dayHourAndFormat() {
        #expect(Timestamps.day(Self.t0) == 18_987)
        #expect(Timestamps.hour(Self.t0) == 15)
        #expect(Timestamps.day(-1) == -1 && Timestamps.hour(-1) == 23)
        #expect(Timestamps.format(Self.t0 + 123) == "2021-12-26T15:11:04.123Z")
        #expect(Timestamps.format(-1) == "1969-12-31T23:59:59.999Z")
        #expect(Timestamps.dateString(days: 18_987) == "2021-12-26")
        #expect(Timestamps.parseDate("2021-12-26") == 18_987)
        #expect(Timestamps.parseDate("2021-02-30") == nil && Timestamps.parseDate("2021-12-26T00:00") == nil)
        let c = Timestamps.civil(Self.t0)
        #expect(c.year == 2021 && c.month == 12 && c.day == 26 && c.hour == 15)
    }

    @Test func fieldLookupByDottedPath() {
        let es = #"{"_index":"sdk-log-2021-12-26","_source":{"msg":"timestamp","request_begin_timestamp":"2021-12-26T15:10:59.884+09:00","timestamp":"2021-12-26T15:11:04Z"},"fields":{"timestamp":["2021-12-26T15:11:05.000Z"]},"sort":[1640531464000]}"#
        #expect(TimeField("timestamp").time(in: Array(es.utf8)) == Self.t0)          // first key of that name, any depth
        #expect(TimeField("_source.timestamp").time(in: Array(es.utf8)) == Self.t0)
        #expect(TimeField("fields.timestamp").time(in: Array(es.utf8)) == Self.t0 + 1000)   // array: first element
        #expect(TimeField("sort").time(in: Array(es.utf8)) == Self.t0)
        #expect(TimeField("_source.nope").time(in: Array(es.utf8)) == nil)
        #expect(TimeField("_index").time(in: Array(es.utf8)) == nil)
        // Members of the named object only, not of nested ones or of later siblings.
        let nested = #"{"a":{"b":{"t":1},"c":[{"t":2}],"t":"2021-12-26T15:11:04Z"},"t":5}"#
        #expect(TimeField("a.t").time(in: Array(nested.utf8)) == Self.t0)
        #expect(TimeField("a.b.t").time(in: Array(nested.utf8)) == 1000)
        // zeek writes dotted keys literally.
        let zeek = #"{"ts":1521911720.865716,"id.orig_h":"10.47.1.100","id.resp_ts":"2018-03-24T17:15:20Z"}"#
        #expect(TimeField("ts").time(in: Array(zeek.utf8)) == 1_521_911_720_865)
        #expect(TimeField("id.resp_ts").time(in: Array(zeek.utf8)) == 1_521_911_720_000)
        // Strings holding epochs, spaces around colons, escapes before the key.
        #expect(TimeField("t").time(in: Array(#"{"x":"a\"b","t" : "1640531464"}"#.utf8)) == Self.t0)
        for bad in [#"{"timestamp":null}"#, "not json", #"{"timestamp":"2021-02-30T00:00:00Z"}"#, #"{"timestamp":true}"#,
                    #"{"timestamp":"#, #"{"a":{"timestamp""#, ""] {
            #expect(TimeField("timestamp").time(in: Array(bad.utf8)) == nil, "\(bad)")
            #expect(TimeField("a.timestamp").time(in: Array(bad.utf8)) == nil, "\(bad)")
        }
        #expect(TimeField("").time(in: Array(#"{"":1}"#.utf8)) == nil)
    }

    @Test func candidatesPreferCoverageThenTimeNames() {
        let zeek = (0..<20).map { i in
            #"{"_write_ts":"2018-03-24T17:15:2\#(i % 10).866586Z","ts":"2018-03-24T17:15:2\#(i % 10).865716Z","trans_id":36329,"rtt":0.00087,"orig_bytes":6219}"#
        }
        let found = Self.candidates(zeek)
        #expect(found.first?.path == "ts")
        #expect(found.map(\.path).contains("_write_ts"))
        #expect(!found.map(\.path).contains("trans_id") && !found.map(\.path).contains("rtt"))
        let es = (0..<10).map { _ in #"{"_source":{"user_inDate":"2021-08-22T07:51:26.636Z","timestamp":"2021-12-26T15:11:04Z"},"sort":[1]}"# }
        #expect(Self.candidates(es).first?.path == "_source.timestamp")
        // A field in every record beats a better name in a few.
        let partial = (0..<10).map { i in i < 2 ? #"{"created":1640531464,"timestamp":"2021-12-26"}"# : #"{"created":1640531464}"# }
        #expect(Self.candidates(partial).first?.path == "created")
        #expect(Self.candidates([#"{"n":5,"s":"x"}"#, "text line"]).isEmpty)
    }

    static func candidates(_ lines: [String]) -> [Timestamps.Candidate] {
        let bytes = lines.map { Array($0.utf8) }
        func go(_ i: Int, _ acc: [UnsafeRawBufferPointer]) -> [Timestamps.Candidate] {
            if i == bytes.count { return Timestamps.candidates(in: acc) }
            return bytes[i].withUnsafeBytes { go(i + 1, acc + [$0]) }
        }
        return go(0, [])
    }
}

@Suite struct TimeFieldEscapeTests {
    @Test func escapedQuotesAndBackslashesInSkippedMembers() {
        let t = #"{"a":{"s":"x\"y","b":"c:\\","q":"\\\"","t":1640531464}}"#
        #expect(TimeField("a.t").time(in: Array(t.utf8)) == 1_640_531_464_000)
        let nested = #"{"a":{"o":{"k":"}\"{"},"l":["]",{"t":0}],"t":"2021-12-26"}}"#
        #expect(TimeField("a.t").time(in: Array(nested.utf8)) == 1_640_476_800_000)
        #expect(TimeField("a.t").time(in: Array(#"{"a":{"s":"unterminated\"}"#.utf8)) == nil)
    }
}
