import LogLabCore

/// Where a container's bytes go: the codec's output (`storedBytes`) and everything the
/// format adds around it.
public struct ContainerLayout: Sendable, Equatable, Codable {
    public var headerBytes: Int
    public var frameHeaderBytes: Int
    public var storedBytes: Int
    /// Segment seals (format 2.0).
    public var sealBytes: Int
    public var indexBytes: Int
    public var trailerBytes: Int
    /// The shared section (format 2.1; 0 without one).
    public var sharedSectionBytes: Int = 0

    public var totalBytes: Int { headerBytes + sharedSectionBytes + frameHeaderBytes + storedBytes + sealBytes + indexBytes + trailerBytes }
    /// Everything but the stored bytes.
    public var overheadBytes: Int { totalBytes - storedBytes }

    public init(headerBytes: Int, frameHeaderBytes: Int, storedBytes: Int, sealBytes: Int, indexBytes: Int, trailerBytes: Int) {
        self.headerBytes = headerBytes
        self.frameHeaderBytes = frameHeaderBytes
        self.storedBytes = storedBytes
        self.sealBytes = sealBytes
        self.indexBytes = indexBytes
        self.trailerBytes = trailerBytes
    }
}

extension ContainerReader {
    /// The layout of this container (reads every segment's frame headers for format 2.0;
    /// checks their stored bytes on the way).
    public func layout() throws -> ContainerLayout {
        let indexBytes = Int(file.size - trailer.indexOffset) - ContainerFormat.trailerSize
        if isV2 {
            var headers = 0, stored = 0
            for k in segments.indices {
                for f in try readSegment(k).frames {
                    headers += f.header.length
                    stored += f.header.storedSize
                }
            }
            var layout = ContainerLayout(headerBytes: ContainerFormat.headerSize, frameHeaderBytes: headers, storedBytes: stored,
                                         sealBytes: segments.count * ContainerFormatV2.sealSize, indexBytes: indexBytes,
                                         trailerBytes: ContainerFormat.trailerSize)
            layout.sharedSectionBytes = shared?.bytes.count ?? 0
            return layout
        }
        let stored = index.entries.reduce(0) { $0 + Int($1.storedSize) }
        return ContainerLayout(headerBytes: ContainerFormat.headerSize, frameHeaderBytes: index.entries.count * ContainerFormat.frameHeaderSize,
                               storedBytes: stored, sealBytes: 0, indexBytes: indexBytes, trailerBytes: ContainerFormat.trailerSize)
    }
}
