import Foundation

/// A small hand-written SVG plotter: scatter and line series, linear or log-10 x axis,
/// legend, point tooltips. Plain SVG 1.1 with inline attributes (no CSS, no scripts), so it
/// renders the same in a browser and as an image on a code forge.
struct SVGChart {
    enum Marker: String { case circle, square, triangle, diamond }

    struct Point {
        var x: Double
        var y: Double
        var tooltip: String
        var label: String? = nil
    }

    struct Series {
        var name: String
        var color: String
        var marker: Marker = .circle
        var points: [Point]
        var connect = false
        var dashed = false
        var showMarkers = true
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var xLog = false
    var series: [Series]
    /// Vertical reference lines (e.g. a speed constraint): x and a label.
    var verticalLines: [(x: Double, label: String)] = []
    var width = 760.0
    var height = 460.0

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

    func render() -> String {
        let left = 70.0, right = 200.0, top = 40.0, bottom = 55.0
        let pw = width - left - right, ph = height - top - bottom
        let all = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite && (!xLog || $0.x > 0) }
        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
        <rect x="0" y="0" width="\(Int(width))" height="\(Int(height))" fill="#ffffff"/>
        <text x="\(n(width / 2 - right / 2 + left / 2))" y="22" text-anchor="middle" font-size="15" font-weight="bold">\(esc(title))</text>

        """
        guard !all.isEmpty else {
            out += "<text x=\"\(n(width / 2))\" y=\"\(n(height / 2))\" text-anchor=\"middle\">no data</text>\n</svg>\n"
            return out
        }
        // Axis ranges.
        let xs = all.map(\.x) + verticalLines.map(\.x).filter { !xLog || $0 > 0 }
        var xmin = xs.min()!, xmax = xs.max()!
        var ymin = all.map(\.y).min()!, ymax = all.map(\.y).max()!
        if xLog {
            xmin = pow(10, floor(log10(xmin)))
            xmax = pow(10, ceil(log10(xmax)))
            if xmax <= xmin { xmax = xmin * 10 }
        } else {
            let pad = (xmax - xmin) * 0.05 + (xmax == xmin ? max(abs(xmax) * 0.1, 1) : 0)
            xmin -= pad
            xmax += pad
        }
        let ypad = (ymax - ymin) * 0.08 + (ymax == ymin ? max(abs(ymax) * 0.1, 0.5) : 0)
        ymin = max(0, ymin - ypad)
        ymax += ypad
        func px(_ x: Double) -> Double {
            xLog ? left + (log10(x) - log10(xmin)) / (log10(xmax) - log10(xmin)) * pw : left + (x - xmin) / (xmax - xmin) * pw
        }
        func py(_ y: Double) -> Double { top + ph - (y - ymin) / (ymax - ymin) * ph }

        // Grid and ticks.
        out += "<rect x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(pw))\" height=\"\(n(ph))\" fill=\"none\" stroke=\"#444444\"/>\n"
        for t in yTicks(ymin, ymax) {
            let y = py(t)
            out += "<line x1=\"\(n(left))\" y1=\"\(n(y))\" x2=\"\(n(left + pw))\" y2=\"\(n(y))\" stroke=\"#e5e5e5\"/>\n"
            out += "<text x=\"\(n(left - 6))\" y=\"\(n(y + 4))\" text-anchor=\"end\">\(tickText(t))</text>\n"
        }
        for t in xTicks(xmin, xmax) {
            let x = px(t)
            out += "<line x1=\"\(n(x))\" y1=\"\(n(top))\" x2=\"\(n(x))\" y2=\"\(n(top + ph))\" stroke=\"#e5e5e5\"/>\n"
            out += "<text x=\"\(n(x))\" y=\"\(n(top + ph + 16))\" text-anchor=\"middle\">\(tickText(t))</text>\n"
        }
        out += "<text x=\"\(n(left + pw / 2))\" y=\"\(n(height - 12))\" text-anchor=\"middle\">\(esc(xLabel))</text>\n"
        out += "<text x=\"16\" y=\"\(n(top + ph / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(n(top + ph / 2)))\">\(esc(yLabel))</text>\n"

        // Reference lines.
        for v in verticalLines where !xLog || v.x > 0 {
            let x = px(v.x)
            out += "<line x1=\"\(n(x))\" y1=\"\(n(top))\" x2=\"\(n(x))\" y2=\"\(n(top + ph))\" stroke=\"#999999\" stroke-width=\"1.2\" stroke-dasharray=\"3 3\"/>\n"
            out += "<text x=\"\(n(x + 4))\" y=\"\(n(top + 12))\" font-size=\"10\" fill=\"#666666\">\(esc(v.label))</text>\n"
        }

        // Series.
        for s in series {
            let pts = s.points.filter { $0.x.isFinite && $0.y.isFinite && (!xLog || $0.x > 0) }
            if s.connect && pts.count > 1 {
                let path = pts.map { "\(n(px($0.x))),\(n(py($0.y)))" }.joined(separator: " ")
                out += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"1.8\"\(s.dashed ? " stroke-dasharray=\"6 4\"" : "")/>\n"
            }
            for p in pts {
                if s.showMarkers { out += marker(s.marker, px(p.x), py(p.y), s.color, tooltip: p.tooltip) }
                if let label = p.label {
                    out += "<text x=\"\(n(px(p.x) + 6))\" y=\"\(n(py(p.y) - 6))\" font-size=\"10\" fill=\"#222222\">\(esc(label))</text>\n"
                }
            }
        }

        // Legend.
        var ly = top + 8
        for s in series {
            let lx = left + pw + 16
            if s.connect {
                out += "<line x1=\"\(n(lx - 6))\" y1=\"\(n(ly))\" x2=\"\(n(lx + 6))\" y2=\"\(n(ly))\" stroke=\"\(s.color)\" stroke-width=\"1.8\"\(s.dashed ? " stroke-dasharray=\"4 3\"" : "")/>\n"
            }
            if s.showMarkers { out += marker(s.marker, lx, ly, s.color, tooltip: nil) }
            out += "<text x=\"\(n(lx + 12))\" y=\"\(n(ly + 4))\">\(esc(s.name))</text>\n"
            ly += 18
        }
        out += "</svg>\n"
        return out
    }

    private func marker(_ m: Marker, _ x: Double, _ y: Double, _ color: String, tooltip: String?) -> String {
        let t = tooltip.map { "<title>\(esc($0))</title>" } ?? ""
        switch m {
        case .circle:
            return "<circle cx=\"\(n(x))\" cy=\"\(n(y))\" r=\"4\" fill=\"\(color)\" fill-opacity=\"0.8\">\(t)</circle>\n"
        case .square:
            return "<rect x=\"\(n(x - 3.5))\" y=\"\(n(y - 3.5))\" width=\"7\" height=\"7\" fill=\"\(color)\" fill-opacity=\"0.8\">\(t)</rect>\n"
        case .triangle:
            return "<polygon points=\"\(n(x)),\(n(y - 4.5)) \(n(x - 4.5)),\(n(y + 3.5)) \(n(x + 4.5)),\(n(y + 3.5))\" fill=\"\(color)\" fill-opacity=\"0.8\">\(t)</polygon>\n"
        case .diamond:
            return "<polygon points=\"\(n(x)),\(n(y - 5)) \(n(x - 5)),\(n(y)) \(n(x)),\(n(y + 5)) \(n(x + 5)),\(n(y))\" fill=\"\(color)\" fill-opacity=\"0.8\">\(t)</polygon>\n"
        }
    }

    private func yTicks(_ lo: Double, _ hi: Double) -> [Double] { linearTicks(lo, hi) }

    private func xTicks(_ lo: Double, _ hi: Double) -> [Double] {
        guard xLog else { return linearTicks(lo, hi) }
        var out: [Double] = []
        var d = lo
        let decades = log10(hi / lo)
        while d <= hi * 1.0001 {
            out.append(d)
            if decades <= 2 {
                if d * 2 < hi { out.append(d * 2) }
                if d * 5 < hi { out.append(d * 5) }
            }
            d *= 10
        }
        return out.sorted()
    }

    private func linearTicks(_ lo: Double, _ hi: Double) -> [Double] {
        let span = hi - lo
        guard span > 0 else { return [lo] }
        let raw = span / 6
        let mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? raw
        var t = ceil(lo / step) * step
        var out: [Double] = []
        while t <= hi + step * 1e-9 {
            out.append(abs(t) < step * 1e-9 ? 0 : t)
            t += step
        }
        return out
    }

    private func tickText(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e9 { return String(Int(v)) }
        return String(format: "%g", (v * 1000).rounded() / 1000)
    }

    private func n(_ v: Double) -> String { String(format: "%.1f", v) }

    private func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
