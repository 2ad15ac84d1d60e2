import Foundation
import Testing
import LogLabCodecs
import LogLabContainer
import LogLabCore
import LogLabTransforms
@testable import LogLabLab

/// The profile search's choice on fixed measurements, its walk through the space (with a
/// fake measurer), and one real measurement through the bench engine.
@Suite struct ProfileSearchTests {
    static func candidate(_ codec: String = "zstd:6", framing: Framing = .block(1024), transforms: TransformSelection = .all,
                          dict: Int = 0) -> SearchCandidate {
        SearchCandidate(transforms: transforms, framing: framing, codec: try! CodecSpec(parsing: codec), dictionarySize: dict)
    }

    static func m(_ c: SearchCandidate, container: Int, model: Int = 0, compress: Double, restore: Double) -> SearchMeasurement {
        SearchMeasurement(candidate: c, inputBytes: 1_000_000, containerBytes: container, modelBytes: model,
                          compressMBps: compress, restoreMBps: restore)
    }

    let floors = SpeedFloors(compressMBps: 50, restoreMBps: 200)

    @Test func choosesTheSmallestStoredSizeMeetingBothFloors() {
        let ms = [
            Self.m(Self.candidate("zstd:3"), container: 30_000, compress: 150, restore: 400),
            Self.m(Self.candidate("zstd:19"), container: 20_000, compress: 5, restore: 400),        // smallest, too slow
            Self.m(Self.candidate("zstd:9"), container: 24_000, model: 2_000, compress: 80, restore: 390),
            Self.m(Self.candidate("zstd:6"), container: 25_000, compress: 120, restore: 199.9),      // restore just under
        ]
        let c = SearchChooser.choose(ms, floors: floors)
        #expect(c.index == 2 && c.meetsFloors)
        #expect(c.reasons[0].contains("26000 bytes (container 24000 + model 2000)") && c.reasons[0].contains("2 of 4"), "\(c.reasons)")
        #expect(c.reasons.contains { $0.contains("zstd:19") && $0.contains("compress 5 < 50 MB/s") }, "\(c.reasons)")
        #expect(c.reasons.contains { $0.hasPrefix("runner-up: transforms all, block:1024, zstd:3") }, "\(c.reasons)")
    }

    @Test func theModelCountsAgainstTheContainer() {
        // Transforms shrink the container but their model costs more than they save.
        let ms = [
            Self.m(Self.candidate(transforms: .all), container: 10_000, model: 9_000, compress: 100, restore: 300),
            Self.m(Self.candidate(transforms: .none), container: 18_000, compress: 100, restore: 300),
        ]
        #expect(SearchChooser.choose(ms, floors: floors).index == 1)
    }

    @Test func tiesGoToTheFirstMeasuredNotToTheNoisierHeadroom() {
        let a = Self.m(Self.candidate("zstd:3"), container: 20_000, compress: 60, restore: 900)   // headroom 1.2
        let b = Self.m(Self.candidate("zstd:6"), container: 20_000, compress: 100, restore: 300)  // headroom 1.5
        #expect(SearchChooser.choose([a, b], floors: floors).index == 0)
        #expect(SearchChooser.choose([b, a], floors: floors).index == 0)
        let tie = SearchChooser.choose([b, b], floors: floors)
        #expect(tie.index == 0 && tie.reasons.contains { $0.hasPrefix("tied on size") }, "\(tie.reasons)")
    }

    @Test func sizesWithinTheMarginKeepTheFirstMeasured() {
        let incumbent = Self.m(Self.candidate("zstd:6"), container: 10_100, compress: 100, restore: 300)
        let within = Self.m(Self.candidate("zstd:9"), container: 10_000, compress: 80, restore: 300)   // 1.0 % smaller
        let beyond = Self.m(Self.candidate("zstd:12"), container: 9_900, compress: 60, restore: 300)   // 2 % smaller
        let kept = SearchChooser.choose([incumbent, within], floors: floors, margin: 0.01)
        #expect(kept.index == 0 && kept.meetsFloors)
        #expect(kept.reasons[0].hasPrefix("transforms all, block:1024, zstd:6, no dict: the first measured within 1 % of the smallest"), "\(kept.reasons)")
        #expect(kept.reasons.contains { $0.contains("zstd:9") && $0.contains("within the margin") }, "\(kept.reasons)")
        // Without a margin (the lab's rule), or beyond it, the smallest.
        #expect(SearchChooser.choose([incumbent, within], floors: floors).index == 1)
        #expect(SearchChooser.choose([incumbent, within, beyond], floors: floors, margin: 0.01).index == 2)
        // A first candidate too slow for the floors is no incumbent.
        let slow = Self.m(Self.candidate("zstd:6"), container: 10_050, compress: 100, restore: 150)
        #expect(SearchChooser.choose([slow, within], floors: floors, margin: 0.01).index == 1)
        // The margin buys speed only: a first measured candidate no faster than the smallest
        // beyond noise (here slower to compress, or 5 % faster) is not kept.
        let slower = Self.m(Self.candidate("zstd:12"), container: 10_080, compress: 60, restore: 300)
        let notFaster = SearchChooser.choose([slower, within], floors: floors, margin: 0.01)
        #expect(notFaster.index == 1, "\(notFaster.reasons)")
        #expect(notFaster.reasons.contains { $0.contains("zstd:12") && $0.contains("not 10 % faster") }, "\(notFaster.reasons)")
        let barely = Self.m(Self.candidate("zstd:6"), container: 10_080, compress: 84, restore: 300)
        #expect(SearchChooser.choose([barely, within], floors: floors, margin: 0.01).index == 1)
        // Faster at restore, no slower beyond noise at compression: kept.
        let restores = Self.m(Self.candidate("zstd:6"), container: 10_080, compress: 76, restore: 400)
        #expect(SearchChooser.choose([restores, within], floors: floors, margin: 0.01).index == 0)
        // Faster at one but much slower at the other: not kept.
        let mixed = Self.m(Self.candidate("zstd:6"), container: 10_080, compress: 200, restore: 240)
        #expect(SearchChooser.choose([mixed, within], floors: floors, margin: 0.01).index == 1)
        // The margin is relative to the smallest *stored* size, model included.
        let heavy = Self.m(Self.candidate("zstd:6"), container: 10_000, model: 500, compress: 100, restore: 300)
        #expect(SearchChooser.choose([heavy, within], floors: floors, margin: 0.01).index == 1)
    }

    @Test func theContainerIsScaledToTheVolumeTheModelIsPaidOver() {
        // As in theModelCountsAgainstTheContainer, but the profile will compress 10× the
        // validation bytes: the model is paid once, the container ten times.
        func m(_ t: TransformSelection, _ container: Int, _ model: Int) -> SearchMeasurement {
            SearchMeasurement(candidate: Self.candidate(transforms: t), inputBytes: 1_000_000, containerBytes: container, modelBytes: model,
                              compressMBps: 100, restoreMBps: 300, volumeBytes: 10_000_000)
        }
        let all = m(.all, 10_000, 9_000), none = m(.none, 18_000, 0)
        #expect(all.storedBytes == 109_000 && all.scaledContainerBytes == 100_000 && none.storedBytes == 180_000)
        #expect(abs(all.storedRatio - 10_000_000 / 109_000.0) < 1e-9)
        let c = SearchChooser.choose([none, all], floors: floors)
        #expect(c.index == 1 && c.reasons[0].contains("container 10000 scaled to 100000 for 10000000 bytes of input"), "\(c.reasons)")
        // A volume below the measured input is the input.
        let low = SearchMeasurement(candidate: Self.candidate(), inputBytes: 1000, containerBytes: 100, modelBytes: 0,
                                    compressMBps: 1, restoreMBps: 1, volumeBytes: 10)
        #expect(low.volumeBytes == 1000 && low.storedBytes == 100)
    }

    @Test func speedsAreMarginalAndTimedOnEnoughBytes() {
        typealias B = ProfileSearch.BenchMeasurer
        // 1 MB at 100 MB/s (10 ms) of which a 1 kB pass took 2 ms: 999 kB in 8 ms.
        #expect(abs(B.marginal(1_000_000, 100, minus: 1000, 0.5) - 124.875) < 1e-9)
        // The small pass nearly as slow as the whole: noise, the plain speed stays.
        #expect(B.marginal(1_000_000, 100, minus: 1000, 0.0105) == 100)
        #expect(B.marginal(1000, 100, minus: 1000, 1) == 100 && B.marginal(1_000_000, 0, minus: 1000, 1) == 0)
        let b = B(learn: RecordBatch(), validate: RecordBatch(), trials: 3, maxTrials: 40, timestampField: nil)
        #expect(b.passes(forBytes: 17_000) == 40 && b.passes(forBytes: 1 << 20) == B.timedBytes >> 20 && b.passes(forBytes: 100 << 20) == 3)
        #expect(B(learn: RecordBatch(), validate: RecordBatch(), trials: 5, maxTrials: 1, timestampField: nil).passes(forBytes: 10) == 5)
    }

    @Test func aSplitSmallerThanAFrameIsTimedOnAFrameOfItsRecords() {
        typealias B = ProfileSearch.BenchMeasurer
        var split = RecordBatch()
        for i in 0..<200 { split.append(Array("line \(i) of a log".utf8)) }
        let filled = B.frameFilling(split, framing: .block(1024))
        #expect(filled.count == 1024)
        for i in 0..<filled.count { #expect(Array(filled[i]) == Array(split[i % 200])) }
        // Already a frame or more, one record a frame, or the whole file: the split as it is.
        #expect(B.frameFilling(split, framing: .block(100)).count == 200)
        #expect(B.frameFilling(split, framing: .block(200)).count == 200)
        #expect(B.frameFilling(split, framing: .record).count == 200)
        #expect(B.frameFilling(split, framing: .file).count == 200)
        #expect(B.frameFilling(RecordBatch(), framing: .block(1024)).count == 0)
        // Never past the timed bytes: a frame of large records stops there.
        var big = RecordBatch()
        big.append([UInt8](repeating: 0x61, count: 1 << 20))
        let capped = B.frameFilling(big, framing: .block(1024))
        #expect(capped.count == B.timedBytes >> 20 && capped.totalBytes == B.timedBytes)
    }

    @Test func noneMeetingTheFloorsChoosesTheFastestAndSaysSo() {
        let ms = [
            Self.m(Self.candidate("zstd:19"), container: 10_000, compress: 5, restore: 150),    // headroom 0.1
            Self.m(Self.candidate("zstd:3"), container: 30_000, compress: 45, restore: 190),    // headroom 0.9
            Self.m(Self.candidate("zstd:6"), container: 25_000, compress: 40, restore: 400),    // headroom 0.8
        ]
        let c = SearchChooser.choose(ms, floors: floors)
        #expect(c.index == 1 && !c.meetsFloors)
        #expect(c.reasons.count == 1 && c.reasons[0].hasPrefix("no candidate meets") && c.reasons[0].contains("compress 45 < 50 MB/s"), "\(c.reasons)")
        // Equal headroom: the smaller one.
        let d = SearchChooser.choose([Self.m(Self.candidate("zstd:3"), container: 30_000, compress: 25, restore: 100),
                                      Self.m(Self.candidate("zstd:6"), container: 20_000, compress: 25, restore: 100)], floors: floors)
        #expect(d.index == 1 && !d.meetsFloors)
        #expect(SearchChooser.choose([], floors: floors).index == nil)
    }

    @Test func speedsParseWithUnits() throws {
        #expect(try Speed.parse("50MB/s") == 50)
        #expect(try Speed.parse(" 200 MB/s ") == 200)
        #expect(try Speed.parse("1GB/s") == 1000)
        #expect(try Speed.parse("1MiB/s") == 1.048576)
        #expect(try Speed.parse("75") == 75)
        #expect(try Speed.parse("0.5") == 0.5)
        for bad in ["fast", "-5", "50MB", "50 parsecs/s", "", "inf"] {
            #expect(throws: Speed.ParseError.self, "\(bad)") { try Speed.parse(bad) }
        }
    }

    @Test func theValidationSplitHoldsOutTheLastFifth() {
        var b = RecordBatch()
        for i in 0..<100 { b.append(Array("{\"n\":\(i)}".utf8)) }
        let (learn, validate) = ProfileSearch.split(b)
        #expect(learn.count == 80 && validate.count == 20)
        #expect(Array(validate[0]) == Array("{\"n\":80}".utf8))
        let one = RecordBatch(lines: Array("{}\n".utf8))
        #expect(ProfileSearch.split(one).learn.count == 1 && ProfileSearch.split(one).validate.count == 1)
        var two = RecordBatch()
        two.append(Array("a".utf8)); two.append(Array("b".utf8))
        #expect(ProfileSearch.split(two).learn.count == 1 && ProfileSearch.split(two).validate.count == 1)
    }

    /// A fake world: higher zstd levels are smaller and slower; transforms and dictionaries help.
    static func fake(_ c: SearchCandidate) -> SearchMeasurement {
        var size = 100_000.0
        var compress = 200.0
        if c.transforms == .all { size *= 0.5 }
        switch c.framing {
        case .record: size *= 4
        case .block(let n): size *= n >= 4096 ? 0.9 : n >= 1024 ? 1 : 1.2
        case .file: size *= 0.85
        }
        if c.codec.family == .zstd {
            size *= 1 - Double(c.codec.level) * 0.02
            compress = 300 / Double(c.codec.level)
        } else {
            size *= 0.95
            compress = 20
        }
        return m(c, container: Int(size), model: c.dictionarySize, compress: compress, restore: 500)
    }

    @Test func theDescentFindsTheSmallestFeasibleAndPrunesSlowLevels() {
        var visited: [SearchCandidate] = []
        let o = ProfileSearch.run(space: .standard, floors: floors, measure: { c in visited.append(c); return Self.fake(c) })
        let chosen = o.chosen!.candidate
        // zstd:6 compresses at 50 MB/s (on the floor); zstd:9 at 33 misses it, so 12 and 19 are never measured.
        #expect(chosen == Self.candidate("zstd:6", framing: .block(4096)), "\(chosen)")
        #expect(!visited.contains { $0.codec.level >= 12 && $0.codec.family == .zstd })
        #expect(o.skipped.contains { $0.candidate.codec.description == "zstd:12" && $0.reason.contains("below 50 MB/s") })
        #expect(o.skipped.contains { $0.candidate.codec.description == "brotli:9" })
        #expect(Set(visited).count == visited.count, "a candidate was measured twice")
        #expect(visited.count == o.measurements.count && visited.count <= 15)
        // The last stage tried a section on the choice (the fake measures it alike: within the margin).
        #expect(visited.last == { var c = chosen; c.sharedSection = true; return c }() && o.stages.last == "section")
        #expect(o.section?.take == true && o.chosenCandidate?.sharedSection == true)
        let text = ProfileSearch.render(o)
        #expect(text.contains("container B") && text.contains("meets floors") && text.contains("chose transforms all, block:4096, zstd:6"), "\(text)")
        #expect(text.contains("  shared section: meets"), "\(text)")
    }

    @Test func transformsTooSlowOnlyToCompressAreRetriedWithTheFastestLevel() {
        // Transforms halve the size but compress at 35 MB/s with zstd:6 and 60 with zstd:3;
        // without the retry the search would drop them for none.
        let world: (SearchCandidate) -> SearchMeasurement = { c in
            var m = Self.fake(c)
            if c.transforms == .all { m.compressMBps = c.codec.description == "zstd:3" ? 60 : 35 }
            return m
        }
        var visited: [SearchCandidate] = []
        let o = ProfileSearch.run(space: .standard, floors: floors, measure: { c in visited.append(c); return world(c) })
        #expect(Array(visited.prefix(2)) == [Self.candidate(), Self.candidate("zstd:3")], "\(visited.prefix(3))")
        #expect(o.stages.prefix(3) == ["transforms", "transforms", "transforms"])
        #expect(o.chosen?.candidate.transforms == .all && o.chosen?.candidate.codec.description == "zstd:3", "\(String(describing: o.chosen))")
        // A selection that restores too slowly is not retried: a faster codec would not mend it.
        visited = []
        _ = ProfileSearch.run(space: .standard, floors: floors, measure: { c in
            visited.append(c)
            var m = world(c)
            if c.transforms == .all { m.restoreMBps = 100 }
            return m
        })
        #expect(!visited.contains(Self.candidate("zstd:3")))
        // One that meets the floors is not retried either.
        visited = []
        _ = ProfileSearch.run(space: .standard, floors: floors, measure: { c in visited.append(c); return Self.fake(c) })
        #expect(visited.count > 2 && visited[1].transforms == TransformSelection.none)
    }

    @Test func transformsStillTooSlowAreTriedWithoutTemplates() {
        // Templates make every transform too slow to compress, at any level; without them the
        // other transforms keep most of the saving and meet the floors.
        let lighter = TransformSelection.all.without(.template)
        let world: (SearchCandidate) -> SearchMeasurement = { c in
            var m = Self.fake(c)
            if c.transforms == .all { m.compressMBps = 20 }
            if c.transforms == lighter {   // 20 % larger than with templates, still far below none
                var a = c
                a.transforms = .all
                m.containerBytes = Self.fake(a).containerBytes * 6 / 5
            }
            return m
        }
        var visited: [SearchCandidate] = []
        let o = ProfileSearch.run(space: .standard, floors: floors, measure: { c in visited.append(c); return world(c) })
        #expect(Array(visited.prefix(3)) == [Self.candidate(), Self.candidate("zstd:3"), Self.candidate(transforms: lighter)], "\(visited.prefix(4))")
        #expect(o.chosen?.candidate.transforms == lighter, "\(String(describing: o.chosen))")
        // Not when a selection meets the floors, nor for one without templates.
        visited = []
        _ = ProfileSearch.run(space: .standard, floors: floors, measure: { c in visited.append(c); return Self.fake(c) })
        #expect(!visited.contains { $0.transforms == lighter })
        visited = []
        _ = ProfileSearch.run(space: SearchSpace.standard.fixing(transforms: lighter), floors: floors, measure: { c in
            visited.append(c)
            var m = Self.fake(c)
            m.compressMBps = 20
            return m
        })
        #expect(visited.allSatisfy { $0.transforms == lighter })
        // A fixed selection (`--transforms all`) is kept, however slow.
        visited = []
        _ = ProfileSearch.run(space: SearchSpace.standard.fixing(transforms: .all), floors: floors, measure: { c in visited.append(c); return world(c) })
        #expect(!visited.isEmpty && visited.allSatisfy { $0.transforms == .all })
    }

    @Test func aCandidateJustUnderAFloorIsMeasuredAgainKeepingTheFastest() {
        // The first pass of every candidate is slowed by other work (to 80 % of its speed), the
        // next is not: only those then within 25 % of a floor are measured again.
        var seen: [SearchCandidate: Int] = [:]
        let o = ProfileSearch.run(space: .standard, floors: floors, measure: { c in
            seen[c, default: 0] += 1
            var m = Self.fake(c)
            if seen[c] == 1 { m.compressMBps *= 0.8 }
            return m
        })
        let six = Self.candidate("zstd:6")
        #expect(seen[six] == 2, "zstd:6 measured 40 then 50 MB/s: \(seen[six] ?? 0) measurements")
        #expect(o.measurements.first { $0.candidate == six }?.compressMBps == 50)
        #expect(o.chosen?.candidate.codec.description == "zstd:6")
        // zstd:3 (80 → 100) meets the floor at once; brotli:5 (16) is too far below it.
        #expect(seen[Self.candidate("zstd:3", framing: .block(4096))] == 1)
        #expect(seen.filter { $0.key.codec.family == .brotli }.values.allSatisfy { $0 == 1 })
    }

    // MARK: the shared-section stage

    @Test func theSectionIsTakenWhenItKeepsUpAndStoresNoMore() {
        let plain = Self.m(Self.candidate(), container: 10_000, compress: 100, restore: 300)
        var c = Self.candidate()
        c.sharedSection = true
        let smaller = SectionDecision.decide(plain: plain, shared: Self.m(c, container: 9_000, compress: 60, restore: 300), floors: floors, margin: 0.01)
        #expect(smaller.take && smaller.reason.contains("-10.0 %"), "\(smaller.reason)")
        // Its few framing bytes (parts that do not pay are left out): within the margin.
        #expect(SectionDecision.decide(plain: plain, shared: Self.m(c, container: 10_024, compress: 60, restore: 300), floors: floors, margin: 0.01).take)
        let larger = SectionDecision.decide(plain: plain, shared: Self.m(c, container: 10_200, compress: 60, restore: 300), floors: floors, margin: 0.01)
        #expect(!larger.take && larger.reason.contains("2.0 % more"), "\(larger.reason)")
        let slow = SectionDecision.decide(plain: plain, shared: Self.m(c, container: 9_000, compress: 40, restore: 300), floors: floors, margin: 0.01)
        #expect(!slow.take && slow.reason.contains("compress 40 < 50 MB/s"), "\(slow.reason)")
    }

    @Test func aFixedSectionIsNeverMeasuredAndASlowOneIsLeftOut() {
        for fixed in [false, true] {
            var visited: [SearchCandidate] = []
            let o = ProfileSearch.run(space: SearchSpace.standard.fixing(sharedSection: fixed), floors: floors,
                                      measure: { c in visited.append(c); return Self.fake(c) })
            #expect(!visited.contains { $0.sharedSection } && o.section == nil)
            #expect(o.chosenCandidate?.sharedSection == fixed)
        }
        // Learning a section is too slow here: the profile gets none.
        let o = ProfileSearch.run(space: .standard, floors: floors, measure: { c in
            var m = Self.fake(c)
            if c.sharedSection { m.compressMBps = 10; m.containerBytes = m.containerBytes * 8 / 10 }
            return m
        })
        #expect(o.section?.take == false && o.chosenCandidate?.sharedSection == false && o.section?.index == nil)
        // Only the choice is tried: a smaller-looking candidate is never given up for a section.
        #expect(o.chosenCandidate == o.chosen?.candidate && o.stages.filter { $0 == "section" }.count == 1)
        #expect(o.section?.reason.contains("compress 10 < 50 MB/s") == true, "\(o.section?.reason ?? "")")
        #expect(ProfileSearch.render(o).contains("→  framing     transforms all, block:4096, zstd:6, no dict "), "\(ProfileSearch.render(o))")
        // Experiments' spaces try one only with a section axis.
        #expect(SearchSpace(transforms: [.all], framings: [.block(64)], codecs: [try! CodecSpec(parsing: "zstd:3")], dictionarySizes: [0]).sharedSection == false)
    }

    @Test func learningASectionIsCountedOncePerContainer() {
        // A 1 MB pass at 10 MB/s (0.1 s) of which 0.08 s learned from all of it: frames at
        // 50 MB/s; a 1 GB container learning from 64 MB: 20 s + 5.12 s.
        let v = ProfileSearch.BenchMeasurer.amortised(bytes: 1_000_000, mbps: 10, learnSeconds: 0.08, learnedBytes: 1_000_000,
                                                      window: 64e6, container: 1e9)
        #expect(abs(v - 1e9 / 1e6 / 25.12) < 1e-9, "\(v)")
        // A container no larger than the window pays all of it: the pass's own speed.
        #expect(abs(ProfileSearch.BenchMeasurer.amortised(bytes: 1_000_000, mbps: 10, learnSeconds: 0.08, learnedBytes: 1_000_000,
                                                          window: 1e6, container: 1e6) - 10) < 1e-9)
        // Candidates through JSON: a section keeps its flag; a plain one writes no key.
        var c = Self.candidate()
        #expect(!String(decoding: try! JSONEncoder().encode(c), as: UTF8.self).contains("sharedSection"))
        c.sharedSection = true
        #expect(try! JSONDecoder().decode(SearchCandidate.self, from: JSONEncoder().encode(c)) == c)
    }

    @Test func theDescentKeepsEachStagesIncumbentWithinTheMargin() {
        // Framings larger than the split tie on it: the default block:1024 stays, though
        // block:4096 (measured later) is as small and its speed headroom larger.
        let flat: (SearchCandidate) -> SearchMeasurement = { c in
            var size = c.transforms == .all ? 50_000 : 100_000
            if c.framing == .record { size *= 3 }
            if c.codec.description != "zstd:6" || c.dictionarySize > 0 { size += 300 }   // 0.6 %: within 1 %
            return Self.m(c, container: size, compress: c.framing == .block(4096) ? 150 : 100, restore: 500)
        }
        let o = ProfileSearch.run(space: .standard, floors: floors, margin: ProfileSearch.profileMargin, measure: flat)
        #expect(o.chosen?.candidate == ProfileSearch.start(.standard) && o.choice.index == 0, "\(String(describing: o.chosen))")
        #expect(o.measurements.contains { $0.candidate.framing == .block(4096) })
        // Without the margin the descent follows the smallest (here: none is smaller than the default).
        let exact = ProfileSearch.run(space: .standard, floors: floors, measure: flat)
        #expect(exact.chosen?.candidate.framing == .block(1024) && exact.chosen?.candidate.codec.description == "zstd:6")
    }

    @Test func fixedDimensionsAreNeverVaried() {
        var visited: [SearchCandidate] = []
        let space = SearchSpace.standard.fixing(framing: .record, codec: try! CodecSpec(parsing: "zstd:3"))
        let o = ProfileSearch.run(space: space, floors: floors, measure: { c in visited.append(c); return Self.fake(c) })
        #expect(!visited.isEmpty && visited.allSatisfy { $0.framing == .record && $0.codec.description == "zstd:3" })
        // Only transforms and dictionary sizes vary: 2 + 3 new.
        #expect(Set(visited.map(\.transforms)).count == 2 && Set(visited.map(\.dictionarySize)).count == 4)
        #expect(o.chosen?.candidate.framing == .record)
        // A non-zstd codec fixes the dictionary to none.
        let brotli = SearchSpace.standard.fixing(codec: try! CodecSpec(parsing: "brotli:5"))
        #expect(brotli.dictionarySizes == [0])
        visited = []
        _ = ProfileSearch.run(space: brotli, floors: SpeedFloors(compressMBps: 1, restoreMBps: 1), measure: { c in visited.append(c); return Self.fake(c) })
        #expect(visited.allSatisfy { $0.codec.family == .brotli && $0.dictionarySize == 0 })
        #expect(SearchSpace.standard.fixing(transforms: TransformSelection.none, framing: .file, codec: try! CodecSpec(parsing: "zstd:3"), dictionarySize: 0).isFixed)
    }

    @Test func aFailingMeasurementIsSkippedWithItsReason() {
        let o = ProfileSearch.run(space: .standard, floors: floors, measure: { c in
            if c.dictionarySize > 0 { throw BenchError("too few samples") }
            return Self.fake(c)
        })
        #expect(o.chosen != nil)
        #expect(o.skipped.contains { $0.candidate.dictionarySize > 0 && $0.reason.contains("too few samples") })
    }

    @Test func theBenchMeasurerMeasuresARealCandidate() throws {
        var b = RecordBatch()
        for i in 0..<600 {
            b.append(Array("{\"timestamp\":\"2021-12-26T10:\(String(format: "%02d", i / 60 % 60)):\(String(format: "%02d", i % 60))Z\",\"user\":\"u\(i % 17)\",\"n\":\(i),\"msg\":\"request \(i % 9) done\"}".utf8))
        }
        let (learn, validate) = ProfileSearch.split(b)
        let measurer = ProfileSearch.BenchMeasurer(learn: learn, validate: validate, trials: 1, warmup: 0, timestampField: "timestamp")
        let m = try measurer.measure(Self.candidate("zstd:3", framing: .block(64)))
        #expect(m.inputBytes == validate.totalBytes + validate.count)
        #expect(m.containerBytes > 0 && m.ratio > 1 && m.modelBytes > 0, "model: \(m.modelBytes)")
        #expect(m.compressMBps > 0 && m.restoreMBps > 0)
        // Without transforms, a dictionary for one-record frames: its bytes count as model.
        let d = try measurer.measure(Self.candidate("zstd:3", framing: .record, transforms: TransformSelection.none, dict: 4096))
        #expect(d.modelBytes > 1000 && d.modelBytes <= 4096 && d.ratio > 1, "dictionary: \(d.modelBytes)")
        // With a shared section: its learning is timed, and counted once over a larger container.
        var c = Self.candidate("zstd:3", framing: .block(64))
        c.sharedSection = true
        let s = try measurer.measure(c)
        #expect(s.candidate.sharedSection && s.sectionLearningMBps ?? 0 > 0 && s.sectionContainerBytes == measurer.containerBytes)
        #expect(s.containerBytes > 0 && s.compressMBps > 0 && s.restoreMBps > 0)
    }

    // MARK: the spec option

    @Test func searchAutoIsASpecOption() throws {
        let base = """
        datasets: [{name: sdk, generate: {records: 400, seed: 9}}]
        codecs: [zstd:1]
        search: auto
        """
        let spec = try SpecLoader.parse(base, file: "s.yaml")
        #expect(spec.search == .auto && spec.dictionaryCounted == .always)
        #expect(spec.objective.constraints.map(\.description) == ["compress_cpu_mbps ≥ 50", "restore_cpu_mbps ≥ 200"])
        #expect(spec.searchFloors == .standard)
        #expect(GridExpansion.describe(spec).contains("search: auto"))
        let own = try SpecLoader.parse(base + "\nobjective: {constraints: [\"restore_mbps >= 100\"]}", file: "s.yaml")
        #expect(own.searchFloors == SpeedFloors(compressMBps: 50, restoreMBps: 100))
        #expect(own.objective.constraints.count == 2)
        #expect(try SpecLoader.parse(base.replacingOccurrences(of: "auto", with: "grid"), file: "s.yaml").search == nil)
        #expect(try SpecLoader.parse("datasets: [{name: a, generate: {records: 10}}]\ncodecs: [zstd:1]", file: "s.yaml").search == nil)
        #expect { try SpecLoader.parse(base.replacingOccurrences(of: "auto", with: "sideways"), file: "s.yaml") } throws: { e in
            "\(e)".contains("search must be grid") && "\(e)".contains("s.yaml:3")
        }
    }

    @Test func searchAutoMeasuresTheCellsTheSearchVisits() throws {
        let dir = try temporaryDirectory()
        let spec = try SpecLoader.parse("""
        datasets: [{name: sdk, generate: {records: 400, seed: 9}, split: {train: 0.5}}]
        framings: ["block:16", "block:64", file]
        transforms: [none, all]
        codecs: [zstd:1, zstd:3]
        search: auto
        objective: {constraints: ["compress_cpu_mbps >= 0", "restore_cpu_mbps >= 0"]}
        trials: 1
        warmup: 0
        """, file: "auto.yaml")
        func run() throws -> ExperimentOutcome {
            try ExperimentRunner(spec: spec, backend: DefaultLabBackend(), provider: DefaultRecordProvider(),
                                 options: RunOptions(outDirectory: dir, cacheDirectory: dir + "/cache")).run()
        }
        let o = try run()
        #expect(o.succeeded, "\(o.failures.map(\.message))")
        // Of 12 grid cells: transforms (2), framing (+2), codec (+1).
        #expect(o.cells.count == 5 && o.records.count == 5, "\(o.cells.map(\.key))")
        #expect(Set(o.cells.map(\.key)).count == 5)
        let smallest = o.records.map(\.result.storedBytes).min()
        let winner = ExperimentAnalysis(outcome: o).selections.first?.winner
        #expect(winner != nil && winner?.result.storedBytes == smallest)
        // The model is counted, as the search counts it.
        #expect(o.records.allSatisfy { $0.result.sideDataCounted })
        // Run again: every visited cell comes from the journal.
        let again = try run()
        #expect(again.measuredNow == 0 && again.cells.map(\.key) == o.cells.map(\.key))
    }
}
