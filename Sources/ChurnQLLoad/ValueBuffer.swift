/// A growable buffer of plain values filled by one chunk's loader: appending checks only the capacity (an Array
/// also checks that its storage is not shared, on every append).
final class ValueBuffer<Element: BitwiseCopyable> {
    private var base: UnsafeMutablePointer<Element>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int = 0) {
        self.capacity = Swift.max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    @inline(__always)
    func append(_ value: Element) {
        if count == capacity { grow() }
        (base + count).initialize(to: value)
        count += 1
    }

    private func grow() {
        let larger = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
        larger.update(from: base, count: count)
        base.deallocate()
        base = larger
        capacity *= 2
    }

    @inline(__always)
    subscript(_ i: Int) -> Element { base[i] }

    /// Copies the values to `target`, which must have room for `count`.
    func copy(to target: UnsafeMutablePointer<Element>) { target.update(from: base, count: count) }

    /// The values of several buffers one after another, in one array.
    static func concatenate(_ buffers: [ValueBuffer<Element>]) -> [Element] {
        let total = buffers.reduce(0) { $0 + $1.count }
        return [Element](unsafeUninitializedCapacity: total) { array, initialized in
            var position = 0
            for buffer in buffers {
                if let target = array.baseAddress { buffer.copy(to: target + position) }
                position += buffer.count
            }
            initialized = total
        }
    }
}
