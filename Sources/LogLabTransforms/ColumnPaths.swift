extension FrameEncoder {
    /// The field path of column `c` of the frame this encoder made last (in the `columns`
    /// layout, stream 3 + c holds that column's values); nil when there is no such column.
    /// Used to attribute compressed bytes to fields (`loglab explain`).
    public func columnPath(_ c: Int) -> String? {
        guard let field, c >= 0, c < field.st.columnCount else { return nil }
        return ShapePaths.display(field.st.path(c))
    }
}
