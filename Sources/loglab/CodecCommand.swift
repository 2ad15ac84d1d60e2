import ArgumentParser
import Foundation
import LogLabCodecs
import LogLabCore

func printErr(_ s: String) { Output.note(s) }

/// Reads `input` ("-": stdin) in chunks and writes the transformed bytes to `output`
/// ("-": stdout; a file is written under a temporary name and renamed at the end).
func pipe(input: String, output: String, chunkSize: Int = 1 << 20,
          _ body: (_ read: () throws -> [UInt8]?, _ write: (UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
    let source = try InputFile(input)
    let read: () throws -> [UInt8]? = {
        let d = try source.read(upTo: chunkSize)
        return d.isEmpty ? nil : d
    }
    try Output.with(output) { out in
        try body(read) { try out.write($0) }
    }
}

struct CodecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codec",
        abstract: "Compress or decompress with one codec (streaming; stdin/stdout by default).",
        subcommands: [Compress.self, Decompress.self]
    )

    struct Compress: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compress a stream.",
            discussion: """
            Codec spellings: gzip:1-9, xz:0-9[e][:crc32|:nocheck], brotli:0-11[:wNN], \
            zstd:-7..22[:longNN][:check|:nocheck][:magicless]. Output is the standard format of each \
            codec (decodable by gzip/xz/brotli/zstd), except zstd 'magicless' frames, which \
            only LogLab reads. Integrity: zstd streams carry their content checksum (':nocheck' \
            drops it), xz a CRC-64, gzip a CRC-32; raw brotli has no checksum at all, so a \
            damaged brotli stream can decode to wrong bytes without an error. Example: loglab codec compress --codec zstd:19 -i app.jsonl -o app.jsonl.zst
            """)

        @Option(name: .long, help: "Codec spec, e.g. zstd:3, xz:9e, brotli:11:w24.") var codec: String
        @Option(name: .long, help: "zstd dictionary (.zdict or raw content).") var dict: String?
        @Option(name: .shortAndLong, help: "Input file ('-' for standard input).") var input: String = "-"
        @Option(name: .shortAndLong, help: "Output file ('-' for standard output).") var output: String = "-"

        func run() throws {
            do {
                let spec = try CodecSpec(parsing: codec, standaloneStream: true)
                let dictionary = try dict.map { try ZstdDictionary(contentsOfFile: $0) }
                let compressor = try StreamCompressor(spec, dictionary: dictionary)
                try pipe(input: input, output: output) { read, write in
                    while let chunk = try read() { try compressor.write(chunk, to: write) }
                    try compressor.finish(to: write)
                }
            }
        }
    }

    struct Decompress: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decompress a stream.",
            discussion: "Without --codec, the codec is taken from the input's extension or magic bytes. Example: loglab codec decompress -i app.jsonl.zst -o app.jsonl")

        @Option(name: .long, help: "Codec spec (only the family matters, plus zstd :magicless/:longNN).") var codec: String?
        @Option(name: .long, help: "zstd dictionary (.zdict or raw content).") var dict: String?
        @Option(name: .shortAndLong, help: "Input file ('-' for standard input).") var input: String = "-"
        @Option(name: .shortAndLong, help: "Output file ('-' for standard output).") var output: String = "-"

        func run() throws {
            do {
                let dictionary = try dict.map { try ZstdDictionary(contentsOfFile: $0) }
                var spec = try codec.map { try CodecSpec(parsing: $0) }
                if spec == nil {
                    var family = input == "-" ? nil : CodecDetection.family(forPath: input)
                    if family == nil, input != "-", Files.kind(of: input) == "regular file" {
                        let head = try InputFile(input).read(upTo: 8)
                        family = CodecDetection.family(magic: head[...])
                    }
                    guard let family else {
                        throw CodecError.invalidSpec("cannot tell the codec of '\(input)': pass --codec")
                    }
                    spec = try CodecSpec(family: family)
                }
                guard let spec else { return }
                let decompressor = try StreamDecompressor(spec, dictionary: dictionary)
                try pipe(input: input, output: output) { read, write in
                    while let chunk = try read() { try decompressor.write(chunk, to: write) }
                    try decompressor.finish(to: write)
                }
            }
        }
    }
}
